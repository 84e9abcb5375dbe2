package redis

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/rueidis"
)

// testURL is the Redis the tests use: PARLEY_TEST_REDIS, or the local one.
func testURL() string {
	if u := os.Getenv("PARLEY_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// requireRedis skips the test when Redis is unreachable, except in CI where
// a missing Redis must fail the build.
func requireRedis(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("redis at %s unreachable (CI=true): %v", testURL(), err)
	}
	t.Skipf("redis at %s unreachable: %v", testURL(), err)
}

func testClient(t *testing.T) rueidis.Client {
	t.Helper()
	c, err := NewClient(testURL())
	requireRedis(t, err)
	t.Cleanup(c.Close)
	return c
}

// uniq returns a random name part, so that parallel runs on one Redis do not
// see each other's keys and channels.
func uniq(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
