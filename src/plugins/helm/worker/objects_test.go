package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func decodeAll(t *testing.T, docs []json.RawMessage) []map[string]any {
	t.Helper()
	out := make([]map[string]any, 0, len(docs))
	for _, d := range docs {
		var obj map[string]any
		if err := json.Unmarshal(d, &obj); err != nil {
			t.Fatalf("document %s is not a JSON object: %v", d, err)
		}
		out = append(out, obj)
	}
	return out
}

func TestManifestObjectsKeepsManifestOrderAndSkipsEmptyDocuments(t *testing.T) {
	var b strings.Builder
	// Twelve documents: helm's split keys are manifest-0 … manifest-11, which must come back
	// in manifest order (manifest-10 after manifest-9), not in string order.
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "---\n# Source: chart/templates/cm%d.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n", i, i)
		if i == 3 {
			b.WriteString("---\n# Source: chart/templates/empty.yaml\n# only a comment\n")
		}
	}
	docs, err := manifestObjects(b.String())
	if err != nil {
		t.Fatal(err)
	}
	objs := decodeAll(t, docs)
	if len(objs) != 12 {
		t.Fatalf("want 12 objects (the comment-only document is none), got %d", len(objs))
	}
	for i, obj := range objs {
		name := obj["metadata"].(map[string]any)["name"]
		if want := fmt.Sprintf("cm-%d", i); name != want {
			t.Errorf("object %d is %v, want %s", i, name, want)
		}
	}
}

func TestManifestObjectsReadsYAML11ScalarsAsHelmApplies(t *testing.T) {
	manifest := `---
apiVersion: v1
kind: Secret
metadata:
  name: s
  labels:
    quoted: "0644"
spec:
  mode: 0644
  enabled: yes
  disabled: off
  plain: "yes"
  ratio: 1.5
`
	docs, err := manifestObjects(manifest)
	if err != nil {
		t.Fatal(err)
	}
	spec := decodeAll(t, docs)[0]["spec"].(map[string]any)
	// sigs.k8s.io/yaml reads YAML 1.1: an octal 0644 is 420, yes/off are booleans.
	want := map[string]any{"mode": float64(420), "enabled": true, "disabled": false, "plain": "yes", "ratio": 1.5}
	for k, v := range want {
		if spec[k] != v {
			t.Errorf("spec.%s = %#v, want %#v", k, spec[k], v)
		}
	}
	labels := decodeAll(t, docs)[0]["metadata"].(map[string]any)["labels"].(map[string]any)
	if labels["quoted"] != "0644" {
		t.Errorf(`a quoted "0644" must stay a string, got %#v`, labels["quoted"])
	}
}

func TestManifestObjectsNamesTheDocumentThatIsNoYAML(t *testing.T) {
	_, err := manifestObjects("---\napiVersion: v1\nkind: ConfigMap\n---\nkey: [unclosed\n")
	if err == nil || !strings.Contains(err.Error(), "document 2") {
		t.Fatalf("want an error naming document 2, got %v", err)
	}
}
