// Command spe-helm-worker runs Helm v4 actions for the spe engine.
//
// Why a worker and not the helm binary: a `helm upgrade --install` process pays
// process start, kubeconfig loading, API discovery and client set-up again for
// every release (docs/adr/0004-helm-worker-process.md has the measurements). One
// long-lived process keeps those per target cluster and runs each action as a
// function call of the same Helm SDK the helm binary is built from.
//
// Protocol: one JSON request per line on stdin, one JSON response per line on
// stdout (protocol.go). Requests run concurrently; a response carries the id of
// its request. The worker exits when stdin closes, so it never outlives spe.
// Logs go to stderr as JSON lines.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sync"

	"helm.sh/helm/v4/pkg/kube"
)

// defaultMemoryLimit is the worker's soft memory limit unless GOMEMLIMIT sets one.
const defaultMemoryLimit = 32 << 20

func main() {
	qps := flag.Float64("qps", float64(clusterQPS), "client-side request rate limit per target cluster; negative for none")
	burst := flag.Int("burst", clusterBurst, "client-side request burst per target cluster, with --qps")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file until stdin closes (benchmarks)")
	flag.Parse()
	clusterQPS, clusterBurst = float32(*qps), *burst
	// Garbage is collected at half Go's default heap growth unless GOGC says otherwise: the
	// worker's heap is mostly short-lived rendering and JSON, and spe's footprint counts it;
	// CPU per install did not measurably change (bench/results/analysis.md).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	// A soft limit on the memory the Go runtime holds (heap, stacks, metadata; not the
	// binary's own pages): past it the collector runs sooner instead of letting the heap grow
	// by GOGC. Rendering charts side by side makes short-lived garbage in bursts; the limit
	// lowers the worker's peak for little more CPU, where a lower GOGC for the same peak cost
	// far more (bench/results/analysis.md, "Helm worker memory"). It is soft: a larger chart
	// whose live heap needs more gets it, at the cost of more frequent collection.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	// The helm binary applies as "helm" (its own name); objects must keep the same field
	// manager whichever deployed them, or ownership and drift detection would split.
	kube.ManagedFieldsManager = "helm"
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: logLevel()}))
	slog.SetDefault(logger)
	if *cpuProfile != "" {
		stop, err := startProfile(*cpuProfile)
		if err != nil {
			logger.Error("cannot profile", "error", err.Error())
			os.Exit(2)
		}
		defer stop()
	}
	w := newWorker(logger)
	if err := w.serve(os.Stdin, os.Stdout); err != nil {
		logger.Error("worker stopped", "error", err.Error())
		os.Exit(1)
	}
}

func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}, nil
}

func logLevel() slog.Level {
	if os.Getenv("SPE_HELM_WORKER_DEBUG") != "" {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

type worker struct {
	logger   *slog.Logger
	clusters *clusterCache
	charts   *chartLocator

	mu       sync.Mutex
	inflight map[int64]context.CancelFunc
	out      *json.Encoder
	outMu    sync.Mutex
}

func newWorker(logger *slog.Logger) *worker {
	return &worker{
		logger:   logger,
		clusters: newClusterCache(),
		charts:   newChartLocator(),
		inflight: map[int64]context.CancelFunc{},
	}
}

// serve reads requests until in closes, then cancels what still runs and waits for it.
func (w *worker) serve(in io.Reader, out io.Writer) error {
	w.out = json.NewEncoder(out)
	w.out.SetEscapeHTML(false)
	dec := json.NewDecoder(in)
	var running sync.WaitGroup
	defer func() {
		w.cancelAll()
		running.Wait()
	}()
	for {
		var req request
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if req.Op == opCancel {
			w.cancel(req.Target)
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		w.track(req.ID, cancel)
		running.Add(1)
		go func() {
			defer running.Done()
			defer w.untrack(req.ID)
			w.reply(w.handle(ctx, &req))
		}()
	}
}

func (w *worker) track(id int64, cancel context.CancelFunc) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inflight[id] = cancel
}

func (w *worker) untrack(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cancel, ok := w.inflight[id]; ok {
		cancel()
		delete(w.inflight, id)
	}
}

func (w *worker) cancel(id int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cancel, ok := w.inflight[id]; ok {
		cancel()
	}
}

func (w *worker) cancelAll() {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, cancel := range w.inflight {
		cancel()
	}
}

func (w *worker) reply(res *response) {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	if err := w.out.Encode(res); err != nil {
		w.logger.Error("cannot write response", "id", res.ID, "error", err.Error())
	}
}
