package main

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// Helm's uninstall and rollback take no context. To honour a cancelled request they run with
// a REST config whose every request is bound to the request's context: once it is cancelled,
// requests on the way are aborted and new ones fail at once, so the action stops touching the
// cluster and returns, and the worker answers only then.

// stopGrace bounds how long a cancelled action may take to return once its requests fail;
// past it the worker answers anyway and spe's own grace (kill the worker) takes over.
const stopGrace = 5 * time.Second

type boundTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (t boundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.ctx.Err(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(req.Context())
	stop := context.AfterFunc(t.ctx, cancel)
	res, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		cancel()
		return nil, err
	}
	// A response body (a watch) is read after RoundTrip returns: the bond ends when it is closed.
	res.Body = &boundBody{ReadCloser: res.Body, done: func() { stop(); cancel() }}
	return res, nil
}

type boundBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *boundBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.done)
	return err
}

// bounded wraps a transport so that its requests end with ctx.
func bounded(ctx context.Context) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper { return boundTransport{ctx: ctx, next: rt} }
}

// runBound runs an action that cannot be cancelled itself in the background and waits for
// it; on cancellation it waits (up to stopGrace) until the action, its requests now failing,
// has returned, so a cancelled answer means the action no longer runs.
func runBound(ctx context.Context, what string, run func() error) error {
	done := make(chan error, 1)
	go func() { done <- run() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	select {
	case <-done:
	case <-time.After(stopGrace):
	}
	return &cancelledError{what: what, err: ctx.Err()}
}

type cancelledError struct {
	what string
	err  error
}

func (e *cancelledError) Error() string { return e.what + ": " + e.err.Error() }
func (e *cancelledError) Unwrap() error { return e.err }
