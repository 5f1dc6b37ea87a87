// Command assemble writes spe's container image as an OCI image layout from
// folders prepared by scripts/image (one layer each) and an image config,
// using go-containerregistry, the library behind crane. No daemon, no root:
// it only reads folders and writes files. The same inputs give the same
// digest (see writeLayer).
//
//	assemble spec.json   (prints what it wrote as JSON on standard output)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Spec is what scripts/image/assemble.ts hands over.
type Spec struct {
	// Epoch is SOURCE_DATE_EPOCH: every timestamp in the image.
	Epoch int64 `json:"epoch"`
	// Out is the OCI layout folder to create (it must not exist yet).
	Out string `json:"out"`
	// Work is a scratch folder for the layer files.
	Work string `json:"work"`
	// BlobCache keeps compressed layers by diff ID across builds.
	BlobCache string `json:"blobCache"`
	// RefName annotates the image in the layout's index (org.opencontainers.image.ref.name).
	RefName     string            `json:"refName"`
	Layers      []LayerSpec       `json:"layers"`
	Config      v1.Config         `json:"config"`
	Platform    v1.Platform       `json:"platform"`
	Annotations map[string]string `json:"annotations"`
}

// LayerSpec is one folder that becomes one layer.
type LayerSpec struct {
	Name string `json:"name"`
	Root string `json:"root"`
	// Epoch, when set, dates this layer's files instead of Spec.Epoch: layers
	// that do not change with each commit keep their digest across commits.
	Epoch *int64 `json:"epoch,omitempty"`
}

// LayerResult tells what one layer came to.
type LayerResult struct {
	Name             string `json:"name"`
	Digest           string `json:"digest"`
	DiffID           string `json:"diffID"`
	Size             int64  `json:"size"`
	UncompressedSize int64  `json:"uncompressedSize"`
}

// Result is printed on standard output.
type Result struct {
	Digest       string        `json:"digest"`
	ConfigDigest string        `json:"configDigest"`
	ManifestSize int64         `json:"manifestSize"`
	Layers       []LayerResult `json:"layers"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: assemble SPEC.json")
		os.Exit(2)
	}
	result, err := run(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "assemble:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(result)
}

func run(specFile string) (*Result, error) {
	raw, err := os.ReadFile(specFile)
	if err != nil {
		return nil, err
	}
	var spec Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("%s: %w", specFile, err)
	}
	epoch := time.Unix(spec.Epoch, 0).UTC()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	var layers []LayerResult
	for i, l := range spec.Layers {
		layerEpoch := epoch
		if l.Epoch != nil {
			layerEpoch = time.Unix(*l.Epoch, 0).UTC()
		}
		layer, res, err := buildLayer(l, filepath.Join(spec.Work, fmt.Sprintf("%02d-%s.tar", i, l.Name)), spec.BlobCache, layerEpoch)
		if err != nil {
			return nil, err
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:   layer,
			History: v1.History{Created: v1.Time{Time: epoch}, CreatedBy: "spe image: " + l.Name},
		})
		if err != nil {
			return nil, err
		}
		layers = append(layers, *res)
	}
	if img, err = configure(img, &spec, epoch); err != nil {
		return nil, err
	}
	defer pruneBlobs(spec.BlobCache)
	return write(img, &spec, layers)
}

func buildLayer(l LayerSpec, file, blobCache string, epoch time.Time) (v1.Layer, *LayerResult, error) {
	usize, diffID, err := writeLayer(l.Root, file, epoch)
	if err != nil {
		return nil, nil, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	blob, err := compressed(file, diffID, blobCache)
	if err != nil {
		return nil, nil, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	layer, err := tarball.LayerFromFile(blob, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, nil, err
	}
	digest, err := layer.Digest()
	if err != nil {
		return nil, nil, err
	}
	size, err := layer.Size()
	if err != nil {
		return nil, nil, err
	}
	return layer, &LayerResult{Name: l.Name, Digest: digest.String(), DiffID: "sha256:" + diffID, Size: size, UncompressedSize: usize}, nil
}

func configure(img v1.Image, spec *Spec, epoch time.Time) (v1.Image, error) {
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Config = spec.Config
	cfg.OS, cfg.Architecture, cfg.Variant = spec.Platform.OS, spec.Platform.Architecture, spec.Platform.Variant
	cfg.Created = v1.Time{Time: epoch}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return nil, err
	}
	annotated, ok := mutate.Annotations(img, spec.Annotations).(v1.Image)
	if !ok {
		return nil, fmt.Errorf("annotating the manifest did not give an image")
	}
	return annotated, nil
}

func write(img v1.Image, spec *Spec, layers []LayerResult) (*Result, error) {
	path, err := layout.Write(spec.Out, empty.Index)
	if err != nil {
		return nil, err
	}
	platform := spec.Platform
	if err := path.AppendImage(img, layout.WithPlatform(platform),
		layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": spec.RefName})); err != nil {
		return nil, err
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	configDigest, err := img.ConfigName()
	if err != nil {
		return nil, err
	}
	manifestSize, err := img.Size()
	if err != nil {
		return nil, err
	}
	return &Result{Digest: digest.String(), ConfigDigest: configDigest.String(), ManifestSize: manifestSize, Layers: layers}, nil
}
