/**
 * The emoji the composer's picker offers: about 1,200 common ones in eight
 * categories, each with its English name to search by (the Unicode CLDR
 * short name where it reads better than the character's Unicode name).
 * Hand-kept rather than a package: the full emoji data sets weigh hundreds
 * of KB for skin tones, flags and keywords this picker does not use
 * (decision 0037). Any emoji can still be typed or pasted.
 */
import type { KeyValue } from "./outbox";

export interface Emoji {
  char: string;
  name: string;
}

export interface EmojiCategory {
  id: string;
  label: string;
  /** What the category's tab shows. */
  icon: string;
  emoji: Emoji[];
}

/** "😀 grinning face|😃 grinning face with big eyes|…": one string per category keeps this file small. */
function parse(list: string): Emoji[] {
  return list.split("|").map((item) => {
    const space = item.indexOf(" ");
    return { char: item.slice(0, space), name: item.slice(space + 1) };
  });
}

export const emojiCategories: EmojiCategory[] = [
  {
    id: "smileys",
    label: "Smileys",
    icon: "😀",
    emoji: parse(
      "😀 grinning face|😃 grinning face with big eyes|😄 grinning face with smiling eyes|😁 beaming face with smiling eyes|" +
      "😆 grinning squinting face|😅 grinning face with sweat|🤣 rolling on the floor laughing|😂 face with tears of joy|" +
      "🙂 slightly smiling face|🙃 upside-down face|😉 winking face|😊 smiling face with smiling eyes|😇 smiling face with halo|" +
      "🥰 smiling face with hearts|😍 smiling face with heart-eyes|🤩 grinning face with star eyes|😘 face blowing a kiss|" +
      "😗 kissing face|☺️ smiling face|😚 kissing face with closed eyes|😙 kissing face with smiling eyes|🥲 smiling face with tear|" +
      "😋 face savoring food|😛 face with tongue|😜 winking face with tongue|🤪 grinning face with one large and one small eye|" +
      "😝 squinting face with tongue|🤑 money-mouth face|🤗 smiling face with open hands hug|🤭 face with hand over mouth|" +
      "🤫 shushing face|🤔 thinking face|🤐 zipper-mouth face|🤨 face with one eyebrow raised|😐 neutral face|😑 expressionless face|" +
      "😶 face without mouth|😏 smirking face|😒 unamused face|🙄 face with rolling eyes|😬 grimacing face|🤥 lying face|" +
      "😌 relieved face|😔 pensive face|😪 sleepy face|🤤 drooling face|😴 sleeping face|😷 face with medical mask|" +
      "🤒 face with thermometer|🤕 face with head-bandage|🤢 nauseated face|🤮 face vomiting|🤧 sneezing face|🥵 hot face|" +
      "🥶 cold face|🥴 woozy face|😵 face with crossed-out eyes|🤯 exploding head|🤠 cowboy hat face|🥳 partying face|" +
      "🥸 disguised face|😎 smiling face with sunglasses|🤓 nerd face|🧐 face with monocle|😕 confused face|😟 worried face|" +
      "🙁 slightly frowning face|☹️ frowning face|😮 face with open mouth|😯 hushed face|😲 astonished face|😳 flushed face|" +
      "🥺 pleading face|😦 frowning face with open mouth|😧 anguished face|😨 fearful face|😰 face with open mouth and cold sweat|" +
      "😥 disappointed but relieved face|😢 crying face|😭 loudly crying face|😱 face screaming in fear|😖 confounded face|" +
      "😣 persevering face|😞 disappointed face|😓 face with cold sweat|😩 weary face|😫 tired face|🥱 yawning face|" +
      "😤 face with steam from nose|😡 pouting face angry|😠 angry face|🤬 serious face with symbols covering mouth|" +
      "😈 smiling face with horns|👿 imp|💀 skull|☠️ skull and crossbones|💩 pile of poo|🤡 clown face|👹 ogre|👺 goblin|" +
      "👻 ghost|👽 alien|👾 alien monster|🤖 robot|😺 grinning cat|😸 grinning cat with smiling eyes|😹 cat with tears of joy|" +
      "😻 smiling cat with heart-eyes|😼 cat face with wry smile|😽 kissing cat face with closed eyes|🙀 weary cat face|" +
      "😿 crying cat face|😾 pouting cat face|🙈 see-no-evil monkey|🙉 hear-no-evil monkey|🙊 speak-no-evil monkey|" +
      "💋 kiss mark|💌 love letter|💘 heart with arrow|💝 heart with ribbon|💖 sparkling heart|💗 growing heart|💓 beating heart|" +
      "💞 revolving hearts|💕 two hearts|💟 heart decoration|❣️ heart exclamation|💔 broken heart|❤️ red heart|🧡 orange heart|" +
      "💛 yellow heart|💚 green heart|💙 blue heart|💜 purple heart|🤎 brown heart|🖤 black heart|🤍 white heart|💯 hundred points|" +
      "💢 anger symbol|💥 collision boom|💫 dizzy|💦 sweat droplets|💨 dashing away|🕳️ hole|💬 speech balloon|💭 thought balloon|" +
      "💤 zzz sleeping"
    ),
  },
  {
    id: "people",
    label: "People",
    icon: "👋",
    emoji: parse(
      "👋 waving hand|🤚 raised back of hand|🖐️ hand with fingers splayed|✋ raised hand|🖖 raised hand with part between middle and ring fingers|" +
      "👌 ok hand|🤌 pinched fingers|🤏 pinching hand|✌️ victory hand|🤞 crossed fingers|🤟 love-you gesture|🤘 sign of the horns|" +
      "🤙 call me hand|👈 backhand index pointing left|👉 backhand index pointing right|👆 backhand index pointing up|" +
      "🖕 reversed hand with middle finger extended|👇 backhand index pointing down|☝️ index pointing up|👍 thumbs up|" +
      "👎 thumbs down|✊ raised fist|👊 oncoming fist|🤛 left-facing fist|🤜 right-facing fist|👏 clapping hands|🙌 raising hands|" +
      "👐 open hands|🤲 palms up together|🤝 handshake|🙏 folded hands please thank you|✍️ writing hand|💅 nail polish|" +
      "🤳 selfie|💪 flexed biceps|🦾 mechanical arm|🦵 leg|🦶 foot|👂 ear|🦻 ear with hearing aid|👃 nose|🧠 brain|🫀 anatomical heart|" +
      "🫁 lungs|🦷 tooth|🦴 bone|👀 eyes|👁️ eye|👅 tongue|👄 mouth|👶 baby|🧒 child|👦 boy|👧 girl|🧑 person|👱 person blond hair|" +
      "👨 man|🧔 person beard|👩 woman|🧓 older person|👴 older man|👵 older woman|🙍 person frowning|🙎 person pouting|" +
      "🙅 person gesturing no|🙆 person gesturing ok|💁 person tipping hand|🙋 person raising hand|🧏 deaf person|" +
      "🙇 person bowing|🤦 person facepalming|🤷 person shrugging|👮 police officer|🕵️ detective|💂 guard|🥷 ninja|" +
      "👷 construction worker|🤴 prince|👸 princess|👳 person wearing turban|👲 man with gua pi mao|🧕 person with headscarf|" +
      "🤵 person in tuxedo|👰 person with veil|🤰 pregnant woman|🤱 breast-feeding|👼 baby angel|🎅 santa claus|🤶 mrs claus|" +
      "🦸 superhero|🦹 supervillain|🧙 mage|🧚 fairy|🧛 vampire|🧜 merperson|🧝 elf|🧞 genie|🧟 zombie|💆 person getting massage|" +
      "💇 person getting haircut|🚶 person walking|🧍 person standing|🧎 person kneeling|🏃 person running|💃 woman dancing|" +
      "🕺 man dancing|👯 people with bunny ears|🧖 person in steamy room|🧗 person climbing|🤺 fencer|🏇 horse racing|" +
      "⛷️ skier|🏂 snowboarder|🏌️ person golfing|🏄 person surfing|🚣 person rowing boat|🏊 person swimming|⛹️ person bouncing ball|" +
      "🏋️ person lifting weights|🚴 person biking|🚵 person mountain biking|🤸 person cartwheeling|🤼 people wrestling|" +
      "🤽 person playing water polo|🤾 person playing handball|🤹 person juggling|🧘 person in lotus position|🛀 person taking bath|" +
      "🛌 person in bed|👭 women holding hands|👫 woman and man holding hands|👬 men holding hands|💏 kiss|💑 couple with heart|" +
      "👪 family|🗣️ speaking head|👤 bust in silhouette|👥 busts in silhouette|👣 footprints"
    ),
  },
  {
    id: "nature",
    label: "Animals & nature",
    icon: "🐶",
    emoji: parse(
      "🐵 monkey face|🐒 monkey|🦍 gorilla|🦧 orangutan|🐶 dog face|🐕 dog|🦮 guide dog|🐩 poodle|🐺 wolf|🦊 fox|🦝 raccoon|" +
      "🐱 cat face|🐈 cat|🦁 lion|🐯 tiger face|🐅 tiger|🐆 leopard|🐴 horse face|🐎 horse|🦄 unicorn|🦓 zebra face|🦌 deer|" +
      "🦬 bison|🐮 cow face|🐂 ox|🐃 water buffalo|🐄 cow|🐷 pig face|🐖 pig|🐗 boar|🐽 pig nose|🐏 ram|🐑 sheep|🐐 goat|" +
      "🐪 dromedary camel|🐫 bactrian camel|🦙 llama|🦒 giraffe face|🐘 elephant|🦣 mammoth|🦏 rhinoceros|🦛 hippopotamus|" +
      "🐭 mouse face|🐁 mouse|🐀 rat|🐹 hamster|🐰 rabbit face|🐇 rabbit|🐿️ chipmunk|🦫 beaver|🦔 hedgehog|🦇 bat|🐻 bear|" +
      "🐨 koala|🐼 panda|🦥 sloth|🦦 otter|🦨 skunk|🦘 kangaroo|🦡 badger|🐾 paw prints|🦃 turkey|🐔 chicken|🐓 rooster|" +
      "🐣 hatching chick|🐤 baby chick|🐥 front-facing baby chick|🐦 bird|🐧 penguin|🕊️ dove of peace|🦅 eagle|🦆 duck|" +
      "🦢 swan|🦉 owl|🦤 dodo|🪶 feather|🦩 flamingo|🦚 peacock|🦜 parrot|🐸 frog|🐊 crocodile|🐢 turtle|🦎 lizard|🐍 snake|" +
      "🐲 dragon face|🐉 dragon|🦕 sauropod|🦖 t-rex|🐳 spouting whale|🐋 whale|🐬 dolphin|🦭 seal|🐟 fish|🐠 tropical fish|" +
      "🐡 blowfish|🦈 shark|🐙 octopus|🐚 spiral shell|🐌 snail|🦋 butterfly|🐛 bug|🐜 ant|🐝 honeybee|🪲 beetle|🐞 lady beetle|" +
      "🦗 cricket|🪳 cockroach|🕷️ spider|🕸️ spider web|🦂 scorpion|🦟 mosquito|🪰 fly|🪱 worm|🦠 microbe|💐 bouquet|🌸 cherry blossom|" +
      "💮 white flower|🏵️ rosette|🌹 rose|🥀 wilted flower|🌺 hibiscus|🌻 sunflower|🌼 blossom|🌷 tulip|🌱 seedling|🪴 potted plant|" +
      "🌲 evergreen tree|🌳 deciduous tree|🌴 palm tree|🌵 cactus|🌾 ear of rice|🌿 herb|☘️ shamrock|🍀 four leaf clover|" +
      "🍁 maple leaf|🍂 fallen leaf|🍃 leaf fluttering in wind|🍄 mushroom|🌍 earth globe europe-africa|🌎 earth globe americas|" +
      "🌏 earth globe asia-australia|🌙 crescent moon|🌚 new moon with face|🌛 first quarter moon with face|🌜 last quarter moon with face|" +
      "🌝 full moon face|🌞 sun with face|⭐ star|🌟 glowing star|🌠 shooting star|☀️ sun|⛅ sun behind cloud|☁️ cloud|" +
      "🌧️ cloud with rain|⛈️ thunder cloud and rain|🌩️ cloud with lightning|🌨️ cloud with snow|❄️ snowflake|☃️ snowman|" +
      "⛄ snowman without snow|🌬️ wind blowing face|🌪️ cloud with tornado|🌫️ fog|🌈 rainbow|☔ umbrella with rain drops|" +
      "⚡ high voltage lightning|🔥 fire|💧 droplet|🌊 water wave"
    ),
  },
  {
    id: "food",
    label: "Food & drink",
    icon: "🍔",
    emoji: parse(
      "🍇 grapes|🍈 melon|🍉 watermelon|🍊 tangerine orange|🍋 lemon|🍌 banana|🍍 pineapple|🥭 mango|🍎 red apple|🍏 green apple|" +
      "🍐 pear|🍑 peach|🍒 cherries|🍓 strawberry|🫐 blueberries|🥝 kiwi fruit|🍅 tomato|🫒 olive|🥥 coconut|🥑 avocado|" +
      "🍆 eggplant|🥔 potato|🥕 carrot|🌽 ear of corn|🌶️ hot pepper|🫑 bell pepper|🥒 cucumber|🥬 leafy green|🥦 broccoli|" +
      "🧄 garlic|🧅 onion|🥜 peanuts|🌰 chestnut|🍞 bread|🥐 croissant|🥖 baguette bread|🫓 flatbread|🥨 pretzel|🥯 bagel|" +
      "🥞 pancakes|🧇 waffle|🧀 cheese wedge|🍖 meat on bone|🍗 poultry leg chicken|🥩 cut of meat|🥓 bacon|🍔 hamburger|" +
      "🍟 french fries|🍕 pizza|🌭 hot dog|🥪 sandwich|🌮 taco|🌯 burrito|🫔 tamale|🥙 stuffed flatbread|🧆 falafel|🥚 egg|" +
      "🍳 cooking egg|🥘 shallow pan of food|🍲 pot of food|🫕 fondue|🥣 bowl with spoon|🥗 green salad|🍿 popcorn|🧈 butter|" +
      "🧂 salt shaker|🥫 canned food|🍱 bento box|🍘 rice cracker|🍙 rice ball|🍚 cooked rice|🍛 curry and rice|🍜 steaming bowl ramen noodles|" +
      "🍝 spaghetti|🍠 roasted sweet potato|🍢 oden|🍣 sushi|🍤 fried shrimp|🍥 fish cake with swirl design|🥮 moon cake|" +
      "🍡 dango|🥟 dumpling|🥠 fortune cookie|🥡 takeout box|🦀 crab|🦞 lobster|🦐 shrimp|🦑 squid|🦪 oyster|🍦 soft ice cream|" +
      "🍧 shaved ice|🍨 ice cream|🍩 doughnut|🍪 cookie|🎂 birthday cake|🍰 shortcake|🧁 cupcake|🥧 pie|🍫 chocolate bar|" +
      "🍬 candy|🍭 lollipop|🍮 custard|🍯 honey pot|🍼 baby bottle|🥛 glass of milk|☕ hot beverage coffee|🫖 teapot|" +
      "🍵 teacup without handle|🍶 sake bottle and cup|🍾 bottle with popping cork|🍷 wine glass|🍸 cocktail glass|" +
      "🍹 tropical drink|🍺 beer mug|🍻 clinking beer mugs|🥂 clinking glasses|🥃 tumbler glass|🥤 cup with straw|🧋 bubble tea|" +
      "🧃 beverage box|🧉 mate drink|🧊 ice cube|🥢 chopsticks|🍽️ fork and knife with plate|🍴 fork and knife|🥄 spoon"
    ),
  },
  {
    id: "activities",
    label: "Activities",
    icon: "⚽",
    emoji: parse(
      "🎃 jack-o-lantern|🎄 christmas tree|🎆 fireworks|🎇 sparkler|🧨 firecracker|✨ sparkles|🎈 balloon|🎉 party popper|" +
      "🎊 confetti ball|🎋 tanabata tree|🎍 pine decoration|🎎 japanese dolls|🎏 carp streamer|🎐 wind chime|🎑 moon viewing ceremony|" +
      "🧧 red gift envelope|🎀 ribbon|🎁 wrapped gift|🎗️ reminder ribbon|🎟️ admission tickets|🎫 ticket|🎖️ military medal|" +
      "🏆 trophy|🏅 sports medal|🥇 1st place medal|🥈 2nd place medal|🥉 3rd place medal|⚽ soccer ball football|⚾ baseball|" +
      "🥎 softball|🏀 basketball|🏐 volleyball|🏈 american football|🏉 rugby football|🎾 tennis|🥏 flying disc|🎳 bowling|" +
      "🏏 cricket bat and ball|🏑 field hockey stick and ball|🏒 ice hockey stick and puck|🥍 lacrosse stick and ball|" +
      "🏓 ping pong|🏸 badminton|🥊 boxing glove|🥋 martial arts uniform|🥅 goal net|⛳ flag in hole golf|⛸️ ice skate|" +
      "🎣 fishing pole and fish|🤿 diving mask|🎽 running shirt with sash|🎿 ski and ski boot|🛷 sled|🥌 curling stone|" +
      "🎯 bullseye|🪀 yo-yo|🪁 kite|🎱 billiards|🔮 crystal ball|🪄 magic wand|🎮 video game|🕹️ joystick|🎰 slot machine|" +
      "🎲 game die|🧩 puzzle piece|🧸 teddy bear|🪅 pinata|🪆 nesting dolls|♟️ black chess pawn|🃏 playing card black joker|" +
      "🀄 mahjong tile red dragon|🎴 flower playing cards|🎭 performing arts|🖼️ frame with picture|🎨 artist palette|" +
      "🧵 spool of thread|🧶 ball of yarn|🎤 microphone|🎧 headphone|🎷 saxophone|🎸 guitar|🎹 musical keyboard|🎺 trumpet|" +
      "🎻 violin|🪕 banjo|🥁 drum with drumsticks|🪘 long drum|🎬 clapper board|🏹 bow and arrow"
    ),
  },
  {
    id: "travel",
    label: "Travel & places",
    icon: "✈️",
    emoji: parse(
      "🗺️ world map|🗾 silhouette of japan|🧭 compass|🏔️ snow-capped mountain|⛰️ mountain|🌋 volcano|🗻 mount fuji|" +
      "🏕️ camping|🏖️ beach with umbrella|🏜️ desert|🏝️ desert island|🏞️ national park|🏟️ stadium|🏛️ classical building|" +
      "🏗️ building construction|🏘️ house buildings|🏚️ derelict house building|🏠 house|🏡 house with garden|🏢 office building|" +
      "🏣 japanese post office|🏤 european post office|🏥 hospital|🏦 bank|🏨 hotel|🏩 love hotel|🏪 convenience store|" +
      "🏫 school|🏬 department store|🏭 factory|🏯 japanese castle|🏰 european castle|💒 wedding|🗼 tokyo tower|🗽 statue of liberty|" +
      "⛪ church|🕌 mosque|🛕 hindu temple|🕍 synagogue|⛩️ shinto shrine|🕋 kaaba|⛲ fountain|⛺ tent|🌁 foggy|🌃 night with stars|" +
      "🏙️ cityscape|🌄 sunrise over mountains|🌅 sunrise|🌆 cityscape at dusk|🌇 sunset over buildings|🌉 bridge at night|" +
      "🎠 carousel horse|🎡 ferris wheel|🎢 roller coaster|💈 barber pole|🎪 circus tent|🚂 steam locomotive|🚃 railway car|" +
      "🚄 high-speed train|🚅 high-speed train with bullet nose|🚆 train|🚇 metro|🚈 light rail|🚉 station|🚊 tram|🚝 monorail|" +
      "🚞 mountain railway|🚋 tram car|🚌 bus|🚍 oncoming bus|🚎 trolleybus|🚐 minibus|🚑 ambulance|🚒 fire engine|🚓 police car|" +
      "🚔 oncoming police car|🚕 taxi|🚖 oncoming taxi|🚗 automobile car|🚘 oncoming automobile|🚙 recreational vehicle|" +
      "🛻 pickup truck|🚚 delivery truck|🚛 articulated lorry|🚜 tractor|🏎️ racing car|🏍️ racing motorcycle|🛵 motor scooter|" +
      "🦽 manual wheelchair|🦼 motorized wheelchair|🛺 auto rickshaw|🚲 bicycle|🛴 scooter|🛹 skateboard|🛼 roller skate|" +
      "🚏 bus stop|🛣️ motorway|🛤️ railway track|⛽ fuel pump|🚨 police cars revolving light|🚥 horizontal traffic light|" +
      "🚦 vertical traffic light|🛑 octagonal|🚧 construction|⚓ anchor|⛵ sailboat|🛶 canoe|🚤 speedboat|🛳️ passenger ship|" +
      "⛴️ ferry|🛥️ motor boat|🚢 ship|✈️ airplane|🛩️ small airplane|🛫 airplane departure|🛬 airplane arriving|🪂 parachute|" +
      "💺 seat|🚁 helicopter|🚟 suspension railway|🚠 mountain cableway|🚡 aerial tramway|🛰️ satellite|🚀 rocket|🛸 flying saucer|" +
      "🧳 luggage|⌛ hourglass done|⏳ hourglass not done|⌚ watch|⏰ alarm clock|⏱️ stopwatch|🌡️ thermometer|🪐 ringed planet"
    ),
  },
  {
    id: "objects",
    label: "Objects",
    icon: "💡",
    emoji: parse(
      "👓 eyeglasses|🕶️ dark sunglasses|🥽 goggles|🥼 lab coat|🦺 safety vest|👔 necktie|👕 t-shirt|👖 jeans|🧣 scarf|" +
      "🧤 gloves|🧥 coat|🧦 socks|👗 dress|👘 kimono|🥻 sari|👙 bikini|👚 womans clothes|👛 purse|👜 handbag|👝 pouch|🛍️ shopping bags|" +
      "🎒 school satchel|👞 mans shoe|👟 athletic shoe|🥾 hiking boot|🥿 flat shoe|👠 high-heeled shoe|👡 womans sandal|" +
      "🩰 ballet shoes|👢 womans boots|👑 crown|👒 womans hat|🎩 top hat|🎓 graduation cap|🧢 billed cap|⛑️ helmet with white cross|" +
      "💄 lipstick|💍 ring|💼 briefcase|📢 public address loudspeaker|📣 cheering megaphone|📯 postal horn|🔔 bell|🔕 bell with slash|" +
      "🎼 musical score|🎵 musical note|🎶 musical notes|🎙️ studio microphone|📻 radio|📱 mobile phone|📲 mobile phone with rightwards arrow at left|" +
      "☎️ telephone|📞 telephone receiver|📟 pager|📠 fax machine|🔋 battery|🔌 electric plug|💻 laptop|🖥️ desktop computer|" +
      "🖨️ printer|⌨️ keyboard|🖱️ three button mouse|💽 minidisc|💾 floppy disk|💿 optical disc|📀 dvd|🎥 movie camera|" +
      "🎞️ film frames|📽️ film projector|📺 television|📷 camera|📸 camera with flash|📹 video camera|📼 videocassette|" +
      "🔍 magnifying glass tilted left|🔎 magnifying glass tilted right|🕯️ candle|💡 light bulb|🔦 electric torch|" +
      "🏮 izakaya lantern|📔 notebook with decorative cover|📕 closed book|📖 open book|📗 green book|📘 blue book|" +
      "📙 orange book|📚 books|📓 notebook|📒 ledger|📃 page with curl|📜 scroll|📄 page facing up|📰 newspaper|🗞️ rolled-up newspaper|" +
      "📑 bookmark tabs|🔖 bookmark|🏷️ label|💰 money bag|🪙 coin|💴 banknote with yen|💵 dollar banknote|💶 banknote with euro|" +
      "💷 banknote with pound|💸 money with wings|💳 credit card|🧾 receipt|✉️ envelope|📧 e-mail|📨 incoming envelope|" +
      "📩 envelope with downwards arrow above|📤 outbox tray|📥 inbox tray|📦 package|📫 closed mailbox with raised flag|" +
      "📪 closed mailbox with lowered flag|📬 open mailbox with raised flag|📭 open mailbox with lowered flag|📮 postbox|" +
      "🗳️ ballot box with ballot|✏️ pencil|✒️ black nib|🖋️ lower left fountain pen|🖊️ lower left ballpoint pen|" +
      "🖌️ lower left paintbrush|🖍️ lower left crayon|📝 memo|📁 file folder|📂 open file folder|🗂️ card index dividers|" +
      "📅 calendar|📆 tear-off calendar|🗒️ spiral note pad|🗓️ spiral calendar pad|📇 card index|📈 chart increasing|" +
      "📉 chart decreasing|📊 bar chart|📋 clipboard|📌 pushpin|📍 round pushpin|📎 paperclip|🖇️ linked paperclips|" +
      "📏 straight ruler|📐 triangular ruler|✂️ scissors|🗃️ card file box|🗄️ file cabinet|🗑️ wastebasket|🔒 locked|" +
      "🔓 unlocked|🔏 lock with ink pen|🔐 closed lock with key|🔑 key|🗝️ old key|🔨 hammer|🪓 axe|⛏️ pick|⚒️ hammer and pick|" +
      "🛠️ hammer and wrench|🗡️ dagger knife|⚔️ crossed swords|🔫 pistol|🪃 boomerang|🛡️ shield|🔧 wrench|🔩 nut and bolt|" +
      "⚙️ gear|🗜️ compression|⚖️ scales|🦯 probing cane|🔗 link|⛓️ chains|🧰 toolbox|🧲 magnet|🧪 test tube|🧫 petri dish|" +
      "🧬 dna double helix|🔬 microscope|🔭 telescope|📡 satellite antenna|💉 syringe|🩸 drop of blood|💊 pill|🩹 adhesive bandage|" +
      "🩺 stethoscope|🚪 door|🛗 elevator|🪞 mirror|🪟 window|🛏️ bed|🛋️ couch and lamp|🪑 chair|🚽 toilet|🚿 shower|🛁 bathtub|" +
      "🪒 razor|🧴 lotion bottle|🧷 safety pin|🧹 broom|🧺 basket|🧻 roll of paper|🧼 bar of soap|🧽 sponge|🛒 shopping cart|" +
      "🚬 smoking|⚰️ coffin|🗿 moyai"
    ),
  },
  {
    id: "symbols",
    label: "Symbols",
    icon: "❤️",
    emoji: parse(
      "🏧 automated teller machine|🚮 put litter in its place|🚰 potable water|♿ wheelchair|🚹 mens|🚺 womens|🚻 restroom|" +
      "🚼 baby|🚾 water closet|🛂 passport control|🛃 customs|🛄 baggage claim|🛅 left luggage|⚠️ warning|🚸 children crossing|" +
      "⛔ no entry|🚫 prohibited|🚳 no bicycles|🚭 no smoking|🚯 do not litter|🚱 non-potable water|🚷 no pedestrians|" +
      "📵 no mobile phones|🔞 no one under eighteen|☢️ radioactive|☣️ biohazard|⬆️ upwards black arrow|↗️ north east arrow|" +
      "➡️ black rightwards arrow|↘️ south east arrow|⬇️ downwards black arrow|↙️ south west arrow|⬅️ leftwards black arrow|" +
      "↖️ north west arrow|↕️ up down arrow|↔️ left right arrow|↩️ leftwards arrow with hook|↪️ rightwards arrow with hook|" +
      "⤴️ arrow pointing rightwards then curving upwards|⤵️ arrow pointing rightwards then curving downwards|" +
      "🔃 clockwise downwards and upwards open circle arrows|🔄 anticlockwise downwards and upwards open circle arrows|" +
      "🔙 back with leftwards arrow above|🔚 end with leftwards arrow above|🔛 on with exclamation mark with left right arrow above|" +
      "🔜 soon with rightwards arrow above|🔝 top with upwards arrow above|🛐 place of worship|⚛️ atom|🕉️ om|✡️ star of david|" +
      "☸️ wheel of dharma|☯️ yin yang|✝️ latin cross|☦️ orthodox cross|☪️ star and crescent|☮️ peace|🕎 menorah with nine branches|" +
      "🔯 six pointed star with middle dot|♈ aries|♉ taurus|♊ gemini|♋ cancer|♌ leo|♍ virgo|♎ libra|♏ scorpius|" +
      "♐ sagittarius|♑ capricorn|♒ aquarius|♓ pisces|⛎ ophiuchus|🔀 twisted rightwards arrows|🔁 clockwise rightwards and leftwards open circle arrows|" +
      "🔂 clockwise rightwards and leftwards open circle arrows with circled one overlay|▶️ black right-pointing triangle|" +
      "⏩ black right-pointing double triangle|⏭️ black right-pointing double triangle with vertical bar|⏯️ black right-pointing triangle with double vertical bar|" +
      "◀️ black left-pointing triangle|⏪ black left-pointing double triangle|⏮️ black left-pointing double triangle with vertical bar|" +
      "🔼 up-pointing small red triangle|⏫ black up-pointing double triangle|🔽 down-pointing small red triangle|" +
      "⏬ black down-pointing double triangle|⏸️ double vertical bar|⏹️ black square for stop|⏺️ black circle for record|" +
      "⏏️ eject|🎦 cinema|🔅 low brightness|🔆 high brightness|📶 antenna with bars|📳 vibration mode|📴 mobile phone off|" +
      "♀️ female|♂️ male|⚧️ male with stroke and male and female|✖️ heavy multiplication x|➕ heavy plus|➖ heavy minus|" +
      "➗ heavy division|♾️ permanent paper|‼️ double exclamation mark|⁉️ exclamation question mark|❓ question mark|" +
      "❔ white question mark ornament|❕ white exclamation mark ornament|❗ exclamation mark|〰️ wavy dash|💱 currency exchange|" +
      "💲 heavy dollar|⚕️ staff of aesculapius|♻️ recycling symbol|⚜️ fleur-de-lis|🔱 trident emblem|📛 name badge|" +
      "🔰 japanese symbol for beginner|⭕ heavy large circle|✅ check mark button|☑️ ballot box with check|✔️ check mark|" +
      "❌ cross mark|❎ negative squared cross mark|➰ curly loop|➿ double curly loop|〽️ part alternation mark|✳️ eight spoked asterisk|" +
      "✴️ eight pointed black star|❇️ sparkle|©️ copyright|®️ registered|™️ trade mark|🔟 keycap ten|🔠 input symbol for latin capital letters|" +
      "🔡 input symbol for latin small letters|🔢 input symbol for numbers|🔣 input symbol for symbols|🔤 input symbol for latin letters|" +
      "🅰️ negative squared latin capital letter a|🆎 negative squared ab|🅱️ negative squared latin capital letter b|" +
      "🆑 squared cl|🆒 cool button|🆓 free button|ℹ️ information source|🆔 squared id|Ⓜ️ circled latin capital letter m|" +
      "🆕 new button|🆖 squared ng|🅾️ negative squared latin capital letter o|🆗 ok button|🅿️ negative squared latin capital letter p|" +
      "🆘 sos button|🆙 squared up with exclamation mark|🆚 squared vs|🈁 squared katakana koko|🔴 red circle|🟠 large orange circle|" +
      "🟡 large yellow circle|🟢 green circle|🔵 large blue circle|🟣 large purple circle|🟤 large brown circle|⚫ medium black circle|" +
      "⚪ medium white circle|🟥 large red square|🟧 large orange square|🟨 large yellow square|🟩 large green square|" +
      "🟦 large blue square|🟪 large purple square|🟫 large brown square|⬛ black large square|⬜ white large square|" +
      "🔶 large orange diamond|🔷 large blue diamond|🔸 small orange diamond|🔹 small blue diamond|🔺 up-pointing red triangle|" +
      "🔻 down-pointing red triangle|💠 diamond shape with a dot inside|🔘 radio button|🔳 white square button|🔲 black square button|" +
      "🏁 chequered flag|🚩 triangular flag|🎌 crossed flags|🏴 black flag|🏳️ white flag"
    ),
  },
];

const allEmoji: Emoji[] = emojiCategories.flatMap((c) => c.emoji);
const byChar = new Map(allEmoji.map((e) => [e.char, e]));

/** The emoji whose name has a word starting with each word of the query ("thumbs", "red he"), in list order. */
export function searchEmoji(query: string, limit = 120): Emoji[] {
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return [];
  const out: Emoji[] = [];
  for (const e of allEmoji) {
    const parts = e.name.split(/[\s-]+/);
    if (words.every((w) => parts.some((p) => p.startsWith(w)))) {
      out.push(e);
      if (out.length === limit) break;
    }
  }
  return out;
}

/** The name of a listed emoji, or the emoji itself for one typed in. */
export function emojiName(char: string): string {
  return byChar.get(char)?.name ?? char;
}

/** How many recently used emoji are kept and shown first. */
export const maxRecent = 24;

/** The emoji a person picked lately, newest first, kept across reloads. */
export class RecentEmoji {
  private items: string[] = [];

  constructor(
    private readonly store: KeyValue | null,
    private readonly key: string,
  ) {
    try {
      const parsed = JSON.parse(store?.getItem(key) ?? "[]") as unknown;
      if (Array.isArray(parsed)) this.items = parsed.filter((e): e is string => typeof e === "string" && e !== "").slice(0, maxRecent);
    } catch {
      this.items = [];
    }
  }

  all(): readonly string[] {
    return this.items;
  }

  use(char: string): void {
    this.items = [char, ...this.items.filter((e) => e !== char)].slice(0, maxRecent);
    try {
      this.store?.setItem(this.key, JSON.stringify(this.items));
    } catch {
      // Storage refused: the list still lasts this page.
    }
  }
}
