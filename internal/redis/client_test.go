package redis

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"parley/internal/testenv"
)

// The forms --redis takes (docs/operations.md).
func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url     string
		addrs   []string
		cluster bool
		db      int
		user    string
		tls     bool
	}{
		{url: "redis://127.0.0.1:6379/0", addrs: []string{"127.0.0.1:6379"}},
		{url: "redis://h:7/3", addrs: []string{"h:7"}, db: 3},
		{url: "redis://a:1?addr=b:2&addr=c:3", addrs: []string{"a:1", "b:2", "c:3"}},
		{url: "redis+cluster://a:1,b:2,c:3", addrs: []string{"a:1", "b:2", "c:3"}, cluster: true},
		{url: "redis+cluster://a:1", addrs: []string{"a:1"}, cluster: true},
		{url: "redis+cluster://u:p@a:1,b:2/?dial_timeout=1s", addrs: []string{"a:1", "b:2"}, cluster: true, user: "u"},
		{url: "rediss+cluster://a:1,b:2", addrs: []string{"a:1", "b:2"}, cluster: true, tls: true},
	} {
		opt, cluster, err := ParseURL(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if !slices.Equal(opt.InitAddress, c.addrs) || cluster != c.cluster || opt.SelectDB != c.db || opt.Username != c.user || (opt.TLSConfig != nil) != c.tls || !opt.DisableCache {
			t.Errorf("%s: addrs %v cluster %v db %d user %q tls %v cache off %v", c.url, opt.InitAddress, cluster, opt.SelectDB, opt.Username, opt.TLSConfig != nil, opt.DisableCache)
		}
	}
	for _, bad := range []string{"127.0.0.1:6379", "http://a:1", "redis+cluster://a:1,,b:2", "redis+cluster://a:1/2", "memcache+cluster://a:1"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// redis+cluster:// says the operator expects a cluster: a single server is
// refused rather than silently used as one.
func TestClusterURLRefusesASingleServer(t *testing.T) {
	u, err := url.Parse(testenv.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := NewClient("redis+cluster://" + u.Host); err == nil {
		c.Close()
		t.Fatal("a single Redis was taken for a cluster")
	} else if !strings.Contains(err.Error(), "not a Redis Cluster") {
		t.Fatalf("err = %v, want one saying it is not a Redis Cluster", err)
	}
}
