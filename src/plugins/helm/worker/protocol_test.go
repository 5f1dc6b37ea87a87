package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serveLines runs the worker on these request lines as spe would write them and returns
// its answers by request id.
func serveLines(t *testing.T, lines ...string) map[int64]map[string]any {
	t.Helper()
	home := t.TempDir()
	for _, v := range []string{"HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME"} {
		t.Setenv(v, filepath.Join(home, v))
	}
	w := newWorker(slog.New(slog.NewTextHandler(io.Discard, nil)))
	var out bytes.Buffer
	if err := w.serve(strings.NewReader(strings.Join(lines, "\n")+"\n"), &out); err != nil {
		t.Fatalf("serve: %v", err)
	}
	answers := map[int64]map[string]any{}
	scanner := bufio.NewScanner(&out)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() {
		var res map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &res); err != nil {
			t.Fatalf("answer %q is no JSON: %v", scanner.Text(), err)
		}
		answers[int64(res["id"].(float64))] = res
	}
	if len(answers) != len(lines) {
		t.Fatalf("want one answer per request (%d), got %d: %s", len(lines), len(answers), out.String())
	}
	return answers
}

func writeChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "greeting")
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "templates"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "Chart.yaml"), []byte("apiVersion: v2\nname: greeting\nversion: 1.0.0\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "templates", "cm.yaml"), []byte(
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  message: {{ .Values.message | quote }}\n"), 0o644))
	return dir
}

func TestProtocolRoundTrip(t *testing.T) {
	chart := writeChart(t)
	request := func(fields map[string]any) string {
		b, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	answers := serveLines(t,
		request(map[string]any{"id": 1, "op": "version", "protocol": protocolVersion}),
		request(map[string]any{"id": 2, "op": "template", "release": "hello", "namespace": "ns",
			"chart": map[string]any{"path": chart}, "values": `{"message":"hi"}`}),
		request(map[string]any{"id": 3, "op": "template", "release": "hello", "namespace": "ns",
			"chart": map[string]any{"path": filepath.Join(chart, "missing")}, "values": "{}"}),
		request(map[string]any{"id": 4, "op": "template", "release": "hello", "namespace": "ns", "values": "{}"}),
		request(map[string]any{"id": 5, "op": "frobnicate"}),
	)

	version := answers[1]
	if version["ok"] != true || version["protocol"] != float64(protocolVersion) || version["version"] == "" {
		t.Errorf("version answer %v: want ok, protocol %d and a Helm version", version, protocolVersion)
	}

	rendered := answers[2]
	objects, _ := rendered["objects"].([]any)
	if rendered["ok"] != true || len(objects) != 1 {
		t.Fatalf("template answer %v: want ok with one object", rendered)
	}
	cm := objects[0].(map[string]any)
	if cm["kind"] != "ConfigMap" || cm["data"].(map[string]any)["message"] != "hi" ||
		cm["metadata"].(map[string]any)["name"] != "hello" {
		t.Errorf("rendered object %v: want ConfigMap hello with message hi", cm)
	}

	for id, code := range map[int64]string{3: codeChartNotFound, 4: codeBadRequest, 5: codeBadRequest} {
		res := answers[id]
		if res["ok"] != false || res["code"] != code || res["error"] == "" {
			t.Errorf("answer %d = %v: want a failure with code %q and a message", id, res, code)
		}
	}
}

func TestAnswersCarryNoCodeWhenTheySucceed(t *testing.T) {
	res := serveLines(t, `{"id":7,"op":"version"}`)[7]
	if _, has := res["code"]; has {
		t.Errorf("a successful answer has a code: %v", res)
	}
	if _, has := res["error"]; has {
		t.Errorf("a successful answer has an error: %v", res)
	}
}
