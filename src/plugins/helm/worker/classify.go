package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

// Why a remote chart could not be located is asked of its server once locating failed (the
// common case pays nothing): the registry's answers and its tag list, or the repository's
// index. The code says which of the chart, its version, the credentials or the server's
// certificate is wrong; helm's message stays the detail.

const (
	probeTimeout = 30 * time.Second
	// maxIndexBytes bounds the repository index read to tell a missing chart from a missing version.
	maxIndexBytes = 64 << 20
)

// classify names the step a failed locate of ref failed at.
func (s *chartSource) classify(ref *chartRef, err error) error {
	if isTLSFailure(err) {
		return withCode(codeChartTLSFailed, err)
	}
	switch {
	case ref.OCI != "":
		return withCode(s.registryCode(ref), err)
	case ref.Repo != "":
		return withCode(s.repositoryCode(ref), err)
	}
	return withCode(codeChartNotFound, err)
}

// exchangeCode is the code the last answer of the chart's server stands for, if any.
func (s *chartSource) exchangeCode() string {
	status, tlsErr := s.observer.last()
	switch {
	case tlsErr != nil:
		return codeChartTLSFailed
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return codeChartAuthFailed
	}
	return ""
}

// registryCode: the registry refused the credentials or the certificate, or its repository
// has no such chart, or the chart no such version (tag).
func (s *chartSource) registryCode(ref *chartRef) string {
	if code := s.exchangeCode(); code != "" {
		return code
	}
	repository, tag := ociRepository(ref.OCI)
	tags, err := s.registry.Tags(repository)
	if code := s.exchangeCode(); code != "" {
		return code
	}
	if err != nil {
		return codeChartNotFound
	}
	version := ref.Version
	if version == "" {
		version = tag
	}
	if version != "" && !offers(tags, version) {
		return codeChartVersionNotFound
	}
	return codeChartNotFound
}

// ociRepository splits oci://host/path[:tag][@digest] into host/path and the tag.
func ociRepository(ref string) (string, string) {
	rest := strings.TrimPrefix(ref, "oci://")
	if at := strings.Index(rest, "@"); at >= 0 {
		rest = rest[:at]
	}
	slash := strings.LastIndex(rest, "/")
	if colon := strings.LastIndex(rest, ":"); colon > slash {
		return rest[:colon], rest[colon+1:]
	}
	return rest, ""
}

// offers tells whether one of the tags is the version, or satisfies it as a constraint.
func offers(tags []string, version string) bool {
	constraint, err := semver.NewConstraint(version)
	for _, tag := range tags {
		if tag == version || strings.ReplaceAll(tag, "_", "+") == version {
			return true
		}
		if v, verr := semver.NewVersion(strings.ReplaceAll(tag, "_", "+")); err == nil && verr == nil && constraint.Check(v) {
			return true
		}
	}
	return false
}

// repositoryCode reads the repository's index as helm does (same credentials and trust).
func (s *chartSource) repositoryCode(ref *chartRef) string {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(ref.Repo, "/")+"/index.yaml", nil)
	if err != nil {
		return codeChartNotFound
	}
	if user, password := s.credentials(); user != "" || password != "" {
		req.SetBasicAuth(user, password)
	}
	res, err := s.client.Do(req)
	if err != nil {
		if isTLSFailure(err) {
			return codeChartTLSFailed
		}
		return codeChartNotFound
	}
	defer res.Body.Close()
	if code := s.exchangeCode(); code != "" || res.StatusCode != http.StatusOK {
		return orNotFound(code)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxIndexBytes))
	var index repo.IndexFile
	if err != nil || yaml.Unmarshal(body, &index) != nil {
		return codeChartNotFound
	}
	index.SortEntries()
	// Get's error for a version no entry matches wraps no sentinel: anything but "no such
	// chart" is that.
	if _, err := index.Get(ref.Name, ref.Version); err != nil && !errors.Is(err, repo.ErrNoChartName) {
		return codeChartVersionNotFound
	}
	return codeChartNotFound
}

func orNotFound(code string) string {
	if code == "" {
		return codeChartNotFound
	}
	return code
}
