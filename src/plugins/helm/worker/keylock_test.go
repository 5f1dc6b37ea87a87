package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeyLocksForgetKeysNobodyHolds(t *testing.T) {
	k := newKeyLocks()
	for i := 0; i < 10_000; i++ {
		unlock := k.lock(fmt.Sprintf("oci://registry.example/chart-%d\x001.0.%d", i, i))
		unlock()
	}
	if n := k.size(); n != 0 {
		t.Fatalf("after 10,000 distinct charts were locked and unlocked, %d entries are kept, want 0", n)
	}
}

func TestKeyLocksSerialiseOneKey(t *testing.T) {
	k := newKeyLocks()
	var inside, most atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := k.lock("same")
			defer unlock()
			n := inside.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
		}()
	}
	wg.Wait()
	if most.Load() != 1 {
		t.Fatalf("%d holders of one key at once, want 1", most.Load())
	}
	if n := k.size(); n != 0 {
		t.Fatalf("%d entries kept after every holder let go, want 0", n)
	}
}

func TestKeyLocksLetOtherKeysThrough(t *testing.T) {
	k := newKeyLocks()
	unlockA := k.lock("a")
	defer unlockA()
	done := make(chan struct{})
	go func() {
		k.lock("b")()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a held key blocked another key")
	}
	if n := k.size(); n != 1 {
		t.Fatalf("%d entries while one key is held, want 1", n)
	}
}
