package main

import (
	"encoding/json"
	"fmt"
	"sort"

	releaseutil "helm.sh/helm/v4/pkg/release/v1/util"
	"sigs.k8s.io/yaml"
)

// manifestObjects is a rendered manifest as its documents in JSON, in manifest order, split
// and converted as helm's kube client reads a manifest before applying it (YAML 1.1 scalars
// included). spe compares live objects with these; handing them over as JSON spares the
// engine a YAML parse per install, its largest source of short-lived garbage at scale.
func manifestObjects(manifest string) ([]json.RawMessage, error) {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	out := make([]json.RawMessage, 0, len(keys))
	for i, k := range keys {
		doc, err := yaml.YAMLToJSON([]byte(docs[k]))
		if err != nil {
			return nil, fmt.Errorf("rendered manifest, document %d: %w", i+1, err)
		}
		if string(doc) == "null" {
			continue
		}
		out = append(out, doc)
	}
	return out, nil
}
