package bench

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"parley/internal/redis"
)

// redisCPU reads used_cpu_sys + used_cpu_user from INFO cpu of the Redis at
// addr (a redis:// URL, or host:port for redis://host:port).
func redisCPU(ctx context.Context, addr string) (float64, error) {
	if !strings.Contains(addr, "://") {
		addr = "redis://" + addr
	}
	c, err := redis.NewClient(addr)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	info, err := c.Do(ctx, c.B().Info().Section("cpu").Build()).ToString()
	if err != nil {
		return 0, err
	}
	return parseRedisCPU(info)
}

// parseRedisCPU sums the server's own CPU (not its children's, which are
// background saves) out of an INFO reply.
func parseRedisCPU(info string) (float64, error) {
	var sum float64
	var found int
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || (k != "used_cpu_sys" && k != "used_cpu_user") {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, fmt.Errorf("INFO cpu: %s: %w", k, err)
		}
		sum += f
		found++
	}
	if found != 2 {
		return 0, fmt.Errorf("INFO cpu: no used_cpu_sys and used_cpu_user")
	}
	return sum, nil
}
