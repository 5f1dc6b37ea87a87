//go:build tools

// Package tools records that this module also builds crane (push, pull,
// digest), so that `go mod tidy` keeps its dependencies.
package tools

import _ "github.com/google/go-containerregistry/cmd/crane"
