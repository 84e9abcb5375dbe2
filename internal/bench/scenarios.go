package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// maxUnacked bounds a broadcast publisher's sends awaiting their ack. The
// publishers are open-loop (they keep the schedule whatever the server's
// latency, so slowness shows up as latency instead of hiding as a lower
// rate), but a stalled server must not make the bench grow without bound.
const maxUnacked = 10000

// connectAll opens a connection for every token, starting them at
// ConnectRate per second, and returns them by user (nil where it failed).
func (r *run) connectAll(ctx context.Context, tokens []string) []*conn {
	conns := make([]*conn, len(tokens))
	handshakes := make(chan struct{}, 1000) // in flight at once, so an unpaced start cannot open 15,000 sockets in one go
	var wg sync.WaitGroup
	start := time.Now()
	for i := range tokens {
		if rate := r.cfg.ConnectRate; rate > 0 {
			if !sleepUntil(ctx, start.Add(time.Duration(float64(i)/rate*float64(time.Second)))) {
				break
			}
		}
		select {
		case handshakes <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			dctx, cancel := context.WithTimeout(ctx, time.Minute)
			c, err := r.dial(dctx, i, tokens[i])
			cancel()
			<-handshakes
			if err != nil {
				r.errs.add("connect: "+err.Error(), 1)
				return
			}
			conns[i] = c
		})
	}
	wg.Wait()
	return conns
}

// messageScenario runs broadcast, rooms or ingest: connect everyone, send
// for Duration, wait for the replies and late deliveries, then count.
func (r *run) messageScenario(ctx context.Context, p plan, tokens []string) *Result {
	cfg := r.cfg
	r.status("connecting %d clients (%s)", len(tokens), rateText(cfg.ConnectRate))
	t0 := time.Now()
	stop := r.sample("connecting", r.connLat, t0, false)
	conns := r.connectAll(ctx, tokens)
	stop()
	var ready []*conn
	for _, c := range conns {
		if c != nil {
			ready = append(ready, c)
		}
	}
	r.status("%d of %d connections ready in %.1fs", len(ready), len(tokens), time.Since(t0).Seconds())
	primary := r.lat
	if cfg.Scenario == "ingest" {
		primary = r.ackLat // ingest measures acknowledged sends
	}
	res := &Result{Scenario: cfg.Scenario, Connections: len(ready), cfg: cfg}
	if len(ready) == 0 || ctx.Err() != nil {
		res.Errors, _ = r.errs.snapshot()
		r.closeAll(ready)
		return res
	}

	before := r.scrape(ctx)
	redisBefore, redisErr := r.redisCPU(ctx)
	peak := r.watchRSS(ctx)
	r.lat.Window() // start the per-second windows empty
	r.ackLat.Window()
	r.status("sending for %s", cfg.Duration)
	t0 = time.Now()
	stop = r.sample(cfg.Scenario, primary, t0, true)
	sendCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	var wg sync.WaitGroup
	switch cfg.Scenario {
	case "broadcast":
		pubs := ready[:min(cfg.Publishers, len(ready))]
		interval := time.Duration(float64(len(pubs)) * float64(time.Minute) / cfg.Rate)
		for j, c := range pubs {
			phase := interval * time.Duration(j) / time.Duration(len(pubs)) // spread the publishers evenly
			wg.Go(func() { every(sendCtx, interval, phase, func() { c.sendCapped(0) }) })
		}
	case "rooms":
		for _, c := range ready {
			if rooms := p.sends[c.idx]; len(rooms) > 0 {
				phase := rand.N(cfg.Interval) // users do not send in lockstep
				wg.Go(func() { every(sendCtx, cfg.Interval, phase, func() { c.sendCapped(rooms[0]) }) })
			}
		}
	case "ingest":
		for _, c := range ready {
			if rooms := p.sends[c.idx]; len(rooms) > 0 {
				c.slots = make(chan struct{}, cfg.Inflight)
				wg.Go(func() { c.pump(sendCtx, rooms) })
			}
		}
	}
	wg.Wait()
	cancel()
	sendEnd := time.Now()
	r.status("sending done; waiting up to %s for replies and deliveries", cfg.Drain)
	r.drain(ctx)
	if ctx.Err() != nil {
		r.errs.add("interrupted: sending or the drain was cut short, so lost counts are not final", 1)
	}
	after := r.scrape(ctx)         // before closing: the server's figures under load
	peakRSS := peak(before, after) // stopped with the phase: closing is no load
	redisAfter, redisErr2 := r.redisCPU(ctx)
	res.Samples = stop()
	for _, c := range ready {
		c.failPending("send: no reply within the drain period")
	}
	r.closeAll(ready)

	var d deliveryResult
	res.Server, res.Nodes = nodeStats(cfg.URLs, before, after, peakRSS)
	for _, c := range ready {
		n := &res.Nodes[cfg.node(c.idx)]
		n.Connections++
		for i := range c.tracks {
			t := &c.tracks[i]
			rm := r.rooms[t.room]
			rm.mu.Lock()
			got := t.account(&rm.acked)
			rm.mu.Unlock()
			d.add(got)
			n.Delivered += got.delivered
		}
	}
	if d.unexpected > 0 {
		r.errs.add("delivered but never acknowledged to the sender", d.unexpected)
	}
	_, lastRecv := r.recv.sum()
	end := max(sendEnd.UnixNano(), lastRecv, r.lastAck.Load())
	res.Duration = time.Duration(end - t0.UnixNano())
	res.Sent = r.acked.Load()
	res.Delivered, res.Expected, res.Lost, res.Duplicates = d.delivered, d.delivered+d.lost, d.lost, d.duplicates
	res.latency, res.ackLatency, res.connectLatency = primary.Total(), r.ackLat.Total(), r.connLat.Total()
	res.Server.CPUPerMDeliveries = perM(res.Server.CPUSeconds, d.delivered)
	for i := range res.Nodes {
		n := &res.Nodes[i]
		n.CPUPerMDeliveries = perM(n.CPUSeconds, n.Delivered)
	}
	if r.cfg.RedisInfo != "" {
		if err := errors.Join(redisErr, redisErr2); err != nil {
			r.errs.add("redis info: "+shortErr(err), 1)
		} else {
			cpu := math.Round((redisAfter-redisBefore)*1000) / 1000
			res.Redis = &RedisStats{Addr: r.cfg.RedisInfo, CPUSeconds: cpu, CPUPerMDeliveries: perM(cpu, d.delivered)}
		}
	}
	res.Errors, _ = r.errs.snapshot()
	return res
}

// redisCPU is the shared Redis's CPU seconds so far, when --redis-info
// names it.
func (r *run) redisCPU(ctx context.Context) (float64, error) {
	if r.cfg.RedisInfo == "" {
		return 0, nil
	}
	return redisCPU(ctx, r.cfg.RedisInfo)
}

// connectScenario measures connection setup: how long until every client
// has its ready frame, and how long each one took.
func (r *run) connectScenario(ctx context.Context, tokens []string) *Result {
	before := r.scrape(ctx)
	peak := r.watchRSS(ctx)
	r.status("connecting %d clients (%s)", len(tokens), rateText(r.cfg.ConnectRate))
	t0 := time.Now()
	stop := r.sample("connect", r.connLat, t0, true)
	conns := r.connectAll(ctx, tokens)
	elapsed := time.Since(t0)
	after := r.scrape(ctx)
	res := &Result{Scenario: "connect", Connections: int(r.ready.Load()), Duration: elapsed, cfg: r.cfg}
	res.Samples = stop()
	res.Server, res.Nodes = nodeStats(r.cfg.URLs, before, after, peak(before, after))
	for _, c := range conns {
		if c != nil {
			res.Nodes[r.cfg.node(c.idx)].Connections++
		}
	}
	if r.cfg.Hold > 0 && res.Connections > 0 {
		// Idle cost: what the server holds for connections doing nothing,
		// once setup garbage is collected and the heap has settled.
		r.status("holding %d connections for %s", res.Connections, r.cfg.Hold)
		select {
		case <-ctx.Done():
		case <-time.After(r.cfg.Hold):
		}
		if idle, ok := sumRSS(r.scrape(ctx)); ok {
			if start, ok := sumRSS(before); ok {
				res.Server.IdleRSSBytes = int64(idle)
				res.Server.RSSPerConnBytes = int64((idle - start) / float64(res.Connections))
			}
		}
	}
	var ready []*conn
	for _, c := range conns {
		if c != nil {
			ready = append(ready, c)
		}
	}
	r.closeAll(ready)
	res.latency, res.connectLatency = r.connLat.Total(), r.connLat.Total()
	res.Errors, _ = r.errs.snapshot()
	return res
}

// sumRSS adds the nodes' RSS; false unless every node answered.
func sumRSS(ms []metricsSnap) (float64, bool) {
	var sum float64
	for _, m := range ms {
		if !m.ok {
			return 0, false
		}
		sum += m.rss
	}
	return sum, true
}

// drain waits, up to Drain, until every send has its reply and every
// acknowledged message has reached every member connection.
func (r *run) drain(ctx context.Context) {
	deadline := time.Now().Add(r.cfg.Drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if r.pending.Load() <= 0 {
			if got, _ := r.recv.sum(); got >= r.expectedSoFar() {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *run) closeAll(conns []*conn) {
	var wg sync.WaitGroup
	next := make(chan *conn)
	for range min(64, len(conns)) {
		wg.Go(func() {
			for c := range next {
				c.close()
			}
		})
	}
	for _, c := range conns {
		next <- c
	}
	close(next)
	wg.Wait()
}

// sendCapped sends unless the connection already has maxUnacked sends
// awaiting replies (then the send is skipped and counted).
func (c *conn) sendCapped(room int32) {
	c.mu.Lock()
	full := len(c.pending) >= maxUnacked
	c.mu.Unlock()
	if full {
		c.r.errs.add(fmt.Sprintf("send: skipped, %d sends awaiting ack", maxUnacked), 1)
		return
	}
	c.send(room)
}

// pump keeps Inflight sends outstanding on the connection, cycling over its
// rooms, until ctx ends. After an error reply it pauses briefly rather than
// spin on a server that is refusing.
func (c *conn) pump(ctx context.Context, rooms []int32) {
	for k := 0; ; k++ {
		if until := c.pause.Load(); until > time.Now().UnixNano() {
			if !sleepUntil(ctx, time.Unix(0, until)) {
				return
			}
		}
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
			return
		case <-c.done:
			return
		}
		if ctx.Err() != nil {
			<-c.slots
			return
		}
		if c.send(rooms[k%len(rooms)]) != nil {
			return // the connection is gone; its reader has counted why
		}
	}
}

// every calls fn at phase, phase+interval, … until ctx ends. It keeps the
// schedule (a late call is followed by the next one on time), so the rate
// sent is the rate asked for.
func every(ctx context.Context, interval, phase time.Duration, fn func()) {
	next := time.Now().Add(phase)
	for sleepUntil(ctx, next) {
		fn()
		next = next.Add(interval)
	}
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return ctx.Err() == nil
	case <-ctx.Done():
		return false
	}
}

func rateText(perSec float64) string {
	if perSec <= 0 {
		return "unpaced"
	}
	return fmt.Sprintf("%g/s", perSec)
}
