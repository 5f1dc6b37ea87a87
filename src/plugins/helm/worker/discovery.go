package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// aggregatedDiscovery is the media type of the apiserver's aggregated discovery documents
// (GET /api and /apis, apidiscovery.k8s.io/v2), the ones client-go's discovery reads and
// the apiserver tags with an ETag.
const aggregatedDiscovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

var discoveryPaths = []string{"/api", "/apis"}

// discoveryTags remembers the ETags of a cluster's aggregated discovery documents as last
// read, so the next read can ask whether they changed instead of fetching them again.
type discoveryTags struct {
	client *http.Client
	host   string
	tags   map[string]string
}

// unchanged asks the apiserver whether both documents still carry the ETags seen last
// (If-None-Match: 304 Not Modified). It remembers the ETags it is answered with, so the
// caller must read the documents afresh whenever it says false. Any doubt (no ETag yet, a
// failed request, a server that does not tag) counts as changed.
func (d *discoveryTags) unchanged(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	same := true
	for _, path := range discoveryPaths {
		tag, err := d.check(ctx, path)
		if err != nil || tag == "" || tag != d.tags[path] {
			same = false
		}
		if err == nil {
			d.tags[path] = tag
		} else {
			delete(d.tags, path)
		}
	}
	return same
}

// check sends the conditional GET of one document; it answers with the document's ETag now.
func (d *discoveryTags) check(ctx context.Context, path string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(d.host, "/")+path, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", aggregatedDiscovery)
	if tag := d.tags[path]; tag != "" {
		req.Header.Set("If-None-Match", tag)
	}
	res, err := d.client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	// Drained so the connection is reused; a changed document is read again by client-go.
	_, _ = io.Copy(io.Discard, res.Body)
	switch res.StatusCode {
	case http.StatusNotModified:
		return d.tags[path], nil
	case http.StatusOK:
		return res.Header.Get("ETag"), nil
	default:
		return "", fmt.Errorf("GET %s: %s", path, res.Status)
	}
}
