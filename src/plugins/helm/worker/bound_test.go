package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A server that answers headers at once and then streams nothing, as a quiet watch does,
// or (for /hang) answers nothing at all.
func quietServer(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/watch" {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv
}

func within(t *testing.T, what string, d time.Duration, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("%s did not end within %s of the cancel", what, d)
		return nil
	}
}

func TestBoundTransportEndsRequestsWithItsContext(t *testing.T) {
	srv := quietServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	client := &http.Client{Transport: bounded(ctx)(http.DefaultTransport)}

	res, err := client.Get(srv.URL + "/watch")
	if err != nil {
		t.Fatal(err)
	}
	hanging := make(chan error, 1)
	go func() {
		_, err := client.Get(srv.URL + "/hang")
		hanging <- err
	}()
	time.Sleep(50 * time.Millisecond) // let the hanging request reach the server
	cancel()

	if err := within(t, "a request waiting for its answer", 2*time.Second, func() error { return <-hanging }); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting request: %v, want context.Canceled", err)
	}
	if err := within(t, "reading a streamed body", 2*time.Second, func() error {
		_, err := io.ReadAll(res.Body)
		return err
	}); err == nil {
		t.Fatal("reading the streamed body went on after the cancel")
	}
	_ = res.Body.Close()
	if _, err := client.Get(srv.URL + "/watch"); !errors.Is(err, context.Canceled) {
		t.Fatalf("request after the cancel: %v, want context.Canceled at once", err)
	}
}

func TestRunBoundAnswersOnlyOnceTheActionReturned(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan struct{})
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	err := runBound(ctx, "uninstall of x", func() error {
		<-ctx.Done()
		time.Sleep(200 * time.Millisecond) // the action notices its failing requests a moment later
		close(returned)
		return errors.New("request failed")
	})
	select {
	case <-returned:
	default:
		t.Fatal("runBound answered before the action had returned")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%v, want a cancellation", err)
	}
}
