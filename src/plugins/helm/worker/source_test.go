package main

import (
	"crypto/subtle"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	loader "helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	repo "helm.sh/helm/v4/pkg/repo/v1"
	"sigs.k8s.io/yaml"
)

const (
	repoUser     = "reader"
	repoPassword = "s3cret-Passw0rd"
)

// privateRepo serves a packaged chart (greeting 1.0.0) and its index over TLS, to readers
// with the right basic-auth credentials only: a private helm repository.
func privateRepo(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	ch, err := loader.Load(writeChart(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	archive, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	index := repo.NewIndexFile()
	if err := index.MustAdd(ch.Metadata, filepath.Base(archive), srv.URL, ""); err != nil {
		t.Fatal(err)
	}
	indexYAML, err := yaml.Marshal(index)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, password, ok := r.BasicAuth()
		if !ok || user != repoUser || subtle.ConstantTimeCompare([]byte(password), []byte(repoPassword)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="charts"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/index.yaml":
			_, _ = w.Write(indexYAML)
		case "/" + filepath.Base(archive):
			http.ServeFile(w, r, archive)
		default:
			http.NotFound(w, r)
		}
	})
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	return srv, string(ca)
}

func templateRequest(t *testing.T, id int, chart map[string]any) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": id, "op": "template", "release": "hello", "namespace": "ns", "chart": chart, "values": "{}"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPrivateRepositoryFailuresHaveTheirOwnCodes(t *testing.T) {
	srv, ca := privateRepo(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	good := map[string]any{"username": repoUser, "password": repoPassword}
	wrong := map[string]any{"username": repoUser, "password": repoPassword + "-wrong"}
	chart := func(name, version string, auth map[string]any, ca string) map[string]any {
		c := map[string]any{"repo": srv.URL, "name": name, "version": version}
		if auth != nil {
			c["auth"] = auth
		}
		if ca != "" {
			c["caBundle"] = ca
		}
		return c
	}
	answers := serveLines(t,
		templateRequest(t, 1, chart("greeting", "1.0.0", good, ca)),
		templateRequest(t, 2, chart("greeting", "1.0.0", wrong, ca)),
		templateRequest(t, 3, chart("greeting", "1.0.0", nil, ca)),
		templateRequest(t, 4, chart("greeting", "1.0.0", good, "")),
		templateRequest(t, 5, chart("farewell", "1.0.0", good, ca)),
		templateRequest(t, 6, chart("greeting", "9.9.9", good, ca)),
	)
	if answers[1]["ok"] != true {
		t.Fatalf("with the right credentials and CA: %v", answers[1])
	}
	want := map[int64]string{
		2: codeChartAuthFailed,
		3: codeChartAuthFailed,
		4: codeChartTLSFailed,
		5: codeChartNotFound,
		6: codeChartVersionNotFound,
	}
	for id, code := range want {
		res := answers[id]
		if res["ok"] != false || res["code"] != code {
			t.Errorf("answer %d = %v: want code %q", id, res, code)
		}
		if msg, _ := res["error"].(string); strings.Contains(msg, repoPassword) {
			t.Errorf("answer %d names the password: %q", id, msg)
		}
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range left {
		if strings.HasPrefix(f.Name(), "spe-chart-ca-") {
			t.Errorf("the CA file %s outlived its request", f.Name())
		}
	}
}

func TestCABundleWithoutCertificatesIsATLSFailure(t *testing.T) {
	srv, _ := privateRepo(t)
	res := serveLines(t, templateRequest(t, 1, map[string]any{
		"repo": srv.URL, "name": "greeting", "caBundle": "not a certificate",
	}))[1]
	if res["ok"] != false || res["code"] != codeChartTLSFailed {
		t.Errorf("answer %v: want code %q", res, codeChartTLSFailed)
	}
}

func TestRedactHidesThePasswordAndItsBasicAuthForm(t *testing.T) {
	req := &request{Chart: &chartRef{Auth: &chartAuth{Username: "u", Password: "pw-123"}}}
	got := redact("denied pw-123 in header Basic dTpwdy0xMjM=", req)
	if strings.Contains(got, "pw-123") || strings.Contains(got, "dTpwdy0xMjM=") {
		t.Errorf("redact left secret material: %q", got)
	}
}

func TestOCIReferenceParts(t *testing.T) {
	cases := map[string][2]string{
		"oci://127.0.0.1:5000/charts/greeting":           {"127.0.0.1:5000/charts/greeting", ""},
		"oci://127.0.0.1:5000/charts/greeting:1.0.0":     {"127.0.0.1:5000/charts/greeting", "1.0.0"},
		"oci://r.example/charts/greeting@sha256:abc":     {"r.example/charts/greeting", ""},
		"oci://r.example/charts/greeting:1.0.0@sha256:a": {"r.example/charts/greeting", "1.0.0"},
	}
	for ref, want := range cases {
		repository, tag := ociRepository(ref)
		if repository != want[0] || tag != want[1] {
			t.Errorf("ociRepository(%q) = %q, %q; want %q, %q", ref, repository, tag, want[0], want[1])
		}
	}
}

func TestOffersMatchesTagsAndConstraints(t *testing.T) {
	tags := []string{"1.0.0", "1.2.0_build.1"}
	for version, want := range map[string]bool{"1.0.0": true, "1.2.0+build.1": true, "^1.1": true, "2.0.0": false, "~2": false} {
		if got := offers(tags, version); got != want {
			t.Errorf("offers(%v, %q) = %v, want %v", tags, version, got, want)
		}
	}
}
