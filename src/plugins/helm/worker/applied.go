package main

import (
	"io"
	"sync"

	"helm.sh/helm/v4/pkg/kube"
	"k8s.io/apimachinery/pkg/api/meta"
)

// appliedObject is what the apiserver answered for one object helm created or updated:
// enough for spe to know the live object matches what was applied (the watch's fingerprint,
// src/plugins/fingerprint.ts) without reading it back and dry-running it again.
type appliedObject struct {
	APIVersion      string            `json:"apiVersion"`
	Kind            string            `json:"kind"`
	Namespace       string            `json:"namespace,omitempty"`
	Name            string            `json:"name"`
	UID             string            `json:"uid"`
	Generation      int64             `json:"generation,omitempty"`
	ResourceVersion string            `json:"resourceVersion"`
	Labels          map[string]string `json:"labels,omitempty"`
	Annotations     map[string]string `json:"annotations,omitempty"`
}

// recordingClient is helm's kube client, remembering the server's answer for every object
// it created or updated. Helm refreshes each resource.Info with the apiserver's response
// after the call (pkg/kube/client.go: createResource, patchResourceServerSide,
// replaceResource), so the infos hold the objects as they are now. Embedding *kube.Client
// keeps its optional interfaces (kube.InterfaceWaitOptions) visible to the actions.
type recordingClient struct {
	*kube.Client
	mu      sync.Mutex
	applied map[string]appliedObject
	// built is what the last Build made of a manifest: for an install or upgrade that helm
	// refused over an existing object, the objects it checked (the release's, built last).
	built kube.ResourceList
}

func newRecordingClient(c *kube.Client) *recordingClient {
	return &recordingClient{Client: c, applied: map[string]appliedObject{}}
}

func (r *recordingClient) Create(resources kube.ResourceList, options ...kube.ClientCreateOption) (*kube.Result, error) {
	res, err := r.Client.Create(resources, options...)
	if err == nil {
		r.record(resources)
	}
	return res, err
}

func (r *recordingClient) Update(original, target kube.ResourceList, options ...kube.ClientUpdateOption) (*kube.Result, error) {
	res, err := r.Client.Update(original, target, options...)
	if err == nil {
		r.record(target)
	}
	return res, err
}

func (r *recordingClient) Build(reader io.Reader, validate bool) (kube.ResourceList, error) {
	list, err := r.Client.Build(reader, validate)
	r.mu.Lock()
	r.built = list
	r.mu.Unlock()
	return list, err
}

func (r *recordingClient) lastBuilt() kube.ResourceList {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.built
}

func (r *recordingClient) record(list kube.ResourceList) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, info := range list {
		if info == nil || info.Object == nil {
			continue
		}
		m, err := meta.Accessor(info.Object)
		if err != nil || m.GetUID() == "" {
			continue
		}
		gvk := info.Object.GetObjectKind().GroupVersionKind()
		if gvk.Empty() && info.Mapping != nil {
			gvk = info.Mapping.GroupVersionKind
		}
		o := appliedObject{
			APIVersion:      gvk.GroupVersion().String(),
			Kind:            gvk.Kind,
			Namespace:       m.GetNamespace(),
			Name:            m.GetName(),
			UID:             string(m.GetUID()),
			Generation:      m.GetGeneration(),
			ResourceVersion: m.GetResourceVersion(),
			Labels:          m.GetLabels(),
			Annotations:     m.GetAnnotations(),
		}
		// A later answer for the same object (a hook, then the release) is the newer one.
		r.applied[o.APIVersion+"/"+o.Kind+"/"+o.Namespace+"/"+o.Name] = o
	}
}

func (r *recordingClient) objects() []appliedObject {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]appliedObject, 0, len(r.applied))
	for _, o := range r.applied {
		out = append(out, o)
	}
	return out
}
