package chat

// loginLimits are the buckets of wrong passwords (decision 0024). A login
// reserves a token in each bucket that applies before its password is
// checked and gives them all back when the password was right, so however
// many guesses arrive at once, at most the buckets' tokens reach argon2; the
// rest are refused before any hashing.
//
//   - pair: per username and client address, the tight one (LoginFailures).
//     It stops a guesser without touching the user anywhere else: failures
//     from one address never refuse the right password from another.
//   - addr: per address over all usernames (LoginAddressFailures): password
//     spraying from one address. Loose, since many people can share an
//     address (offices, carrier NAT).
//   - user: per username over all addresses (LoginUserFailures), for
//     guessing spread over many addresses. It applies only to devices the
//     account never logged in on (no valid device token): an attacker who
//     drains it slows strangers down but cannot lock the owner out of the
//     devices they use.
type loginLimits struct {
	pair, addr, user RateLimiter
}

func newLoginLimits(c Config, l Limits) loginLimits {
	per := func(n int) float64 { return float64(n) / l.LoginWindow.Seconds() }
	return loginLimits{
		pair: c.RateLimiters("login-pair", per(l.LoginFailures), l.LoginFailures),
		addr: c.RateLimiters("login-addr", per(l.LoginAddressFailures), l.LoginAddressFailures),
		user: c.RateLimiters("login-user", per(l.LoginUserFailures), l.LoginUserFailures),
	}
}

// loginReservation is the tokens one login holds while its password is
// checked.
type loginReservation struct {
	taken []func()
}

// reserve takes a token in every bucket that applies, or none: on a refusal
// the tokens already taken are given back.
func (ll loginLimits) reserve(username, addr string, knownDevice bool) (loginReservation, bool) {
	type b struct {
		lim RateLimiter
		key string
	}
	buckets := []b{{ll.pair, username + "|" + addr}, {ll.addr, addr}}
	if !knownDevice {
		buckets = append(buckets, b{ll.user, username})
	}
	var r loginReservation
	for _, x := range buckets {
		if !x.lim.Allow(x.key) {
			r.refund()
			return loginReservation{}, false
		}
		r.taken = append(r.taken, func() { x.lim.Refund(x.key) })
	}
	return r, true
}

// refund gives the tokens back: the attempt did not count as a failure.
func (r loginReservation) refund() {
	for _, f := range r.taken {
		f()
	}
}
