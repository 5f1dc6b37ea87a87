// The test OCI registry: distribution's registry command with only what the
// tests use registered (filesystem storage, htpasswd auth). The stock
// cmd/registry also links the Azure, GCS and S3 storage drivers, whose SDKs
// would more than double the build for nothing a test touches.
package main

import (
	"os"

	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	// Tracing would export to an OTLP collector on localhost:4318 by default;
	// nothing listens there for the tests (or someone else does).
	if os.Getenv("OTEL_TRACES_EXPORTER") == "" {
		_ = os.Setenv("OTEL_TRACES_EXPORTER", "none")
	}
	if err := registry.RootCmd.Execute(); err != nil {
		os.Exit(1)
	}
}
