package redis

import (
	"testing"

	"github.com/redis/rueidis"

	"parley/internal/testenv"
)

func testURL() string { return testenv.RedisURL() }

// requireRedis skips the test when Redis is unreachable, except in CI.
func requireRedis(t *testing.T, err error) {
	t.Helper()
	testenv.Require(t, "Redis at "+testURL(), err)
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
func uniq(t *testing.T) string { return testenv.Random(t) }
