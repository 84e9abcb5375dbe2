package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePrivate serves the metrics (--metrics-addr) and the Go profiler
// (--debug-addr) on their own listeners until ctx is done; one listener
// serves both when the addresses are the same. Neither belongs on the public
// address: metrics tell an outsider how busy the node is and profiles expose
// internals and cost CPU, so an operator points these at loopback or a
// private network.
func servePrivate(ctx context.Context, cfg Config, metrics http.Handler, log *slog.Logger) error {
	muxes := map[string]*http.ServeMux{}
	mux := func(addr string) *http.ServeMux {
		if muxes[addr] == nil {
			muxes[addr] = http.NewServeMux()
		}
		return muxes[addr]
	}
	if cfg.MetricsAddr != "" {
		mux(cfg.MetricsAddr).Handle("/metrics", metrics)
	}
	if cfg.DebugAddr != "" {
		m := mux(cfg.DebugAddr)
		m.HandleFunc("/debug/pprof/", pprof.Index)
		m.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		m.HandleFunc("/debug/pprof/profile", pprof.Profile)
		m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	for addr, m := range muxes {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			<-ctx.Done()
			srv.Close()
		}()
		go srv.Serve(ln)
		log.Info("private endpoints serving", "addr", ln.Addr().String())
	}
	return nil
}
