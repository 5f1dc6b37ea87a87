package main

import (
	"sync"

	"golang.org/x/sync/singleflight"
	"helm.sh/helm/v4/pkg/kube"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/openapi/cached"
	"k8s.io/kubectl/pkg/util/openapi"
	"k8s.io/kubectl/pkg/validation"
)

// Before sending objects with fieldValidation=Strict, helm (through kubectl's factory) asks
// whether the server supports that parameter for each kind, which means downloading and
// parsing the group version's OpenAPI v3 document. kubectl caches the answer for one command
// only; in a long-lived worker that parse dominated the CPU of an install (profiled with
// -cpuprofile; docs/adr/0004-helm-worker-process.md). The answer is a fact about the
// server, so it is cached per cluster here.
// Everything else about validation is kubectl's own: the server still validates strictly,
// and a server without the parameter still gets client-side schema validation.

// sharedValidationFactory is helm's factory with a Validator whose verifier is the cluster's.
type sharedValidationFactory struct {
	kube.Factory
	c *cluster
}

func (f sharedValidationFactory) Validator(directive string) (validation.Schema, error) {
	if directive == metav1.FieldValidationIgnore {
		return validation.NullSchema{}, nil
	}
	verifier, err := f.c.fieldValidationVerifier(f.Factory)
	if err != nil {
		return nil, err
	}
	schema := validation.ConjunctiveSchema{
		validation.NewSchemaValidation(f.c.openapiModels),
		validation.NoDoubleKeySchema{},
	}
	return validation.NewParamVerifyingSchema(schema, verifier, directive), nil
}

// openapiModels gives client-side schema validation the cluster's OpenAPI v2 models, parsed
// once and only if a server without field validation ever needs them.
type openapiModels struct{ parser *openapi.CachedOpenAPIParser }

func (m openapiModels) OpenAPISchema() (openapi.Resources, error) { return m.parser.Parse() }

// fieldValidationVerifier is built once per cluster, as kubectl builds one per command.
func (c *cluster) fieldValidationVerifier(f kube.Factory) (resource.Verifier, error) {
	c.verifierOnce.Do(func() {
		dynamicClient, err := f.DynamicClient()
		if err != nil {
			c.verifierErr = err
			return
		}
		param := resource.QueryParamFieldValidation
		primary := resource.NewQueryParamVerifierV3(dynamicClient, cached.NewClient(c.discovery.OpenAPIV3()), param)
		secondary := resource.NewQueryParamVerifier(dynamicClient, openapi.NewOpenAPIGetter(c.discovery), param)
		c.openapiModels = openapiModels{openapi.NewOpenAPIParser(openapi.NewOpenAPIGetter(c.discovery))}
		c.verifier = &cachingVerifier{next: resource.NewFallbackQueryParamVerifier(primary, secondary), cache: map[schema.GroupVersionKind]error{}}
	})
	return c.verifier, c.verifierErr
}

// cachingVerifier remembers answers (supported, or not supported), never transient failures.
// The first installs of a new worker all ask about the same kinds at once; they share one
// lookup per kind, since each lookup parses a group version's whole OpenAPI document (the
// core group's is several MiB of garbage) and four parses side by side set the worker's
// peak memory.
type cachingVerifier struct {
	next   resource.Verifier
	mu     sync.RWMutex
	cache  map[schema.GroupVersionKind]error
	lookup singleflight.Group
}

func (v *cachingVerifier) HasSupport(gvk schema.GroupVersionKind) error {
	v.mu.RLock()
	err, ok := v.cache[gvk]
	v.mu.RUnlock()
	if ok {
		return err
	}
	_, err, _ = v.lookup.Do(gvk.String(), func() (any, error) {
		err := v.next.HasSupport(gvk)
		if err == nil || resource.IsParamUnsupportedError(err) {
			v.mu.Lock()
			v.cache[gvk] = err
			v.mu.Unlock()
		}
		return nil, err
	})
	return err
}
