package push

import (
	"net"
	"net/url"
	"testing"

	"parley/internal/chat"
)

// Whatever a client sends, validation answers Invalid or accepts an https
// URL on a host name (or, with the flag, on a loopback address), and never
// panics.
func FuzzValidate(f *testing.F) {
	f.Add("https://fcm.googleapis.com/fcm/send/abc", "BKCMJXrSvnX35qnPmU9W3s9PjUkv5HyoR59R-7_3odON3-hrnawdgii_Lcx1c2xTFmhYdVbo4cOYXxHJYGxcTxo", "I_jar-OEiK_AcjVAPyrsDw", false)
	f.Add("http://127.0.0.1:8080/push/1", "BKCMJXrSvnX35qnPmU9W3s9PjUkv5HyoR59R-7_3odON3-hrnawdgii_Lcx1c2xTFmhYdVbo4cOYXxHJYGxcTxo", "I_jar-OEiK_AcjVAPyrsDw", true)
	f.Add("https://[::1]/x", "", "", true)
	f.Add("https://10.0.0.1/x", "x", "y", false)
	f.Fuzz(func(t *testing.T, endpoint, p256dh, auth string, loopback bool) {
		s := &Service{cfg: Config{AllowLoopbackHTTP: loopback}}
		err := s.validate(SubscribeRequest{Endpoint: endpoint, Keys: SubscriptionKeys{P256dh: p256dh, Auth: auth}})
		if err != nil {
			if chat.ErrorCode(err) != chat.Invalid {
				t.Fatalf("validate: %v, want Invalid", err)
			}
			return
		}
		u, perr := url.Parse(endpoint)
		if perr != nil || u.Host == "" {
			t.Fatalf("accepted %q, which has no host", endpoint)
		}
		ip := net.ParseIP(u.Hostname())
		switch {
		case ip != nil && !(loopback && ip.IsLoopback()):
			t.Fatalf("accepted the address %q", endpoint)
		case u.Scheme != "https" && !(loopback && ip != nil && u.Scheme == "http"):
			t.Fatalf("accepted %q, which is not https", endpoint)
		}
	})
}
