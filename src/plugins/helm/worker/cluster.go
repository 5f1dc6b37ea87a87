package main

import (
	"container/list"
	"context"
	"crypto/sha256"
	"fmt"
	"runtime/debug"
	"sync"

	"golang.org/x/sync/singleflight"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Client-side rate limit per target cluster; off by default. One worker serves every
// release of a cluster, so any fixed rate caps how fast releases install while the machine
// sits idle (bench/results/analysis.md). The apiserver's priority and fairness protects it, and
// SIG API Machinery recommends relying on it; controller-runtime dropped its client-side
// default the same way (kubernetes-sigs/controller-runtime#3119). --qps re-enables one.
var (
	clusterQPS   float32 = -1
	clusterBurst         = 200
)

// cluster is what one target cluster costs to set up once: REST config (and with it
// client-go's shared transport), memory-cached discovery and a deferred REST mapper.
type cluster struct {
	raw       clientcmdapi.Config
	config    *rest.Config
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
	// tags tell whether discovery changed since it was read; only readCapabilities uses them.
	tags *discoveryTags

	// capsRead is shared by the actions that start while a read is in flight.
	capsRead singleflight.Group

	verifierOnce sync.Once
	verifier     resource.Verifier
	verifierErr  error
	// openapiModels is set with the verifier.
	openapiModels openapiModels
}

func newCluster(kubeconfig string) (*cluster, error) {
	raw, err := clientcmd.Load([]byte(kubeconfig))
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	config, err := clientcmd.NewDefaultClientConfig(*raw, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	config.QPS = clusterQPS
	config.Burst = clusterBurst
	dc, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("discovery client: %w", err)
	}
	cached := memory.NewMemCacheClient(dc)
	mapper := restmapper.NewShortcutExpander(restmapper.NewDeferredDiscoveryRESTMapper(cached), cached, nil)
	httpClient, err := rest.HTTPClientFor(config)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	tags := &discoveryTags{client: httpClient, host: config.Host, tags: map[string]string{}}
	return &cluster{raw: *raw, config: config, discovery: cached, mapper: mapper, tags: tags}, nil
}

// release lets go of the cluster's connections: client-go shares one transport per TLS
// configuration process-wide and keeps it, so its idle connections (each with its TLS
// buffers) would otherwise stay open until the apiserver closes them.
func (c *cluster) release() {
	c.tags.client.CloseIdleConnections()
}

// capabilities reads the server version and API versions afresh, as the helm binary does
// for every action (charts may test .Capabilities.APIVersions for a CRD installed a moment
// ago). The API versions come from the discovery documents, which are fetched and parsed
// again only when the apiserver says they changed (ETag): a full read per action showed in
// the worker's CPU profile at scale (bench/results/analysis.md), and cost the apiserver two
// large responses per install.
// Actions that start while a read is in flight share its answer.
// A cancelled request stops waiting for the read (which others may share) at once.
func (c *cluster) capabilities(ctx context.Context) (*common.Capabilities, error) {
	read := c.capsRead.DoChan("", func() (any, error) { return c.readCapabilities() })
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-read:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*common.Capabilities).Copy(), nil
	}
}

func (c *cluster) readCapabilities() (*common.Capabilities, error) {
	if !c.tags.unchanged(context.Background()) {
		c.discovery.Invalidate()
	}
	version, err := c.discovery.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("could not get server version from Kubernetes: %w", err)
	}
	apiVersions, err := action.GetVersionSet(c.discovery)
	if err != nil && !discovery.IsGroupDiscoveryFailedError(err) {
		return nil, err
	}
	return &common.Capabilities{
		APIVersions: apiVersions,
		KubeVersion: common.KubeVersion{Version: version.GitVersion, Major: version.Major, Minor: version.Minor},
		HelmVersion: common.DefaultCapabilities.HelmVersion,
	}, nil
}

// getter hands one cluster's shared clients to helm, for one namespace; with bind, the REST
// config's requests end with that context (bound.go).
type getter struct {
	c         *cluster
	namespace string
	bind      context.Context
}

func (g getter) ToRESTConfig() (*rest.Config, error) {
	config := rest.CopyConfig(g.c.config)
	if g.bind != nil {
		config.Wrap(bounded(g.bind))
	}
	return config, nil
}

func (g getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.c.discovery, nil
}

func (g getter) ToRESTMapper() (meta.RESTMapper, error) { return g.c.mapper, nil }

func (g getter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	overrides := &clientcmd.ConfigOverrides{Context: clientcmdapi.Context{Namespace: g.namespace}}
	return clientcmd.NewDefaultClientConfig(g.c.raw, overrides)
}

const maxClusters = 256

// clusterCache keeps the clusters of the kubeconfigs seen lately, by a hash of their text.
type clusterCache struct {
	mu    sync.Mutex
	order *list.List
	byKey map[[32]byte]*list.Element
}

type clusterEntry struct {
	key [32]byte
	c   *cluster
}

func newClusterCache() *clusterCache {
	return &clusterCache{order: list.New(), byKey: map[[32]byte]*list.Element{}}
}

func (cc *clusterCache) get(kubeconfig string) (*cluster, error) {
	key := sha256.Sum256([]byte(kubeconfig))
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if el, ok := cc.byKey[key]; ok {
		cc.order.MoveToFront(el)
		return el.Value.(*clusterEntry).c, nil
	}
	c, err := newCluster(kubeconfig)
	if err != nil {
		return nil, err
	}
	cc.byKey[key] = cc.order.PushFront(&clusterEntry{key: key, c: c})
	for cc.order.Len() > maxClusters {
		cc.remove(cc.order.Back())
	}
	return c, nil
}

// forget drops the cluster of a kubeconfig spe no longer deploys with, and hands the memory
// its discovery and OpenAPI models took back to the system at once: a worker that served many
// releases is otherwise left as large as at its busiest until the runtime's background
// scavenger gets to it. Actions still running with the cluster keep it until they end.
func (cc *clusterCache) forget(kubeconfig string) {
	key := sha256.Sum256([]byte(kubeconfig))
	cc.mu.Lock()
	el, ok := cc.byKey[key]
	if ok {
		cc.remove(el)
	}
	cc.mu.Unlock()
	if ok {
		debug.FreeOSMemory()
	}
}

func (cc *clusterCache) remove(el *list.Element) {
	entry := el.Value.(*clusterEntry)
	cc.order.Remove(el)
	delete(cc.byKey, entry.key)
	entry.c.release()
}

func (cc *clusterCache) len() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.order.Len()
}
