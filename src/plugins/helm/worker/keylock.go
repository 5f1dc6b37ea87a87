package main

import "sync"

// keyLocks serialises work per key (a chart reference) and keeps an entry only while someone
// holds or waits for it: a worker that meets many distinct charts over its life would
// otherwise keep one mutex per reference it ever saw.
type keyLocks struct {
	mu      sync.Mutex
	entries map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	// users counts holders and waiters; guarded by keyLocks.mu.
	users int
}

func newKeyLocks() *keyLocks { return &keyLocks{entries: map[string]*keyLock{}} }

// lock waits for key and returns the function that lets it go.
func (k *keyLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	e, ok := k.entries[key]
	if !ok {
		e = &keyLock{}
		k.entries[key] = e
	}
	e.users++
	k.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		k.mu.Lock()
		e.users--
		if e.users == 0 {
			delete(k.entries, key)
		}
		k.mu.Unlock()
	}
}

// size is how many keys are held or waited for now.
func (k *keyLocks) size() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.entries)
}
