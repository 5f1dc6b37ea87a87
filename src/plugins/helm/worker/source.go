package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"

	"helm.sh/helm/v4/pkg/registry"
)

// chartSource is how one request reaches a remote chart: its registry client and HTTP
// transport (trusting the request's CA bundle besides the system's), its credentials, and
// what the last exchange with the chart's server answered. Nothing of it outlives the
// request: credentials are in memory only, and the CA file helm's repository getter reads
// is a 0600 temp file removed by close.
type chartSource struct {
	auth     *chartAuth
	caPEM    string
	caFile   string
	client   *http.Client
	observer *exchangeObserver
	registry *registry.Client
}

// exchangeObserver remembers the last HTTP status and the last TLS failure of the exchanges
// made through it: what says why a registry refused a chart, without reading helm's text.
type exchangeObserver struct {
	base http.RoundTripper

	mu     sync.Mutex
	status int
	tlsErr error
}

func (o *exchangeObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := o.base.RoundTrip(req)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		if isTLSFailure(err) {
			o.tlsErr = err
		}
		return res, err
	}
	o.status = res.StatusCode
	return res, nil
}

func (o *exchangeObserver) last() (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.status, o.tlsErr
}

// isTLSFailure: the server's certificate was not trusted or not valid for its name, or the
// server did not speak TLS at all.
func isTLSFailure(err error) bool {
	var verification *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var header tls.RecordHeaderError
	return errors.As(err, &verification) || errors.As(err, &unknown) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &header)
}

// trustPool is the system's roots plus the PEM certificates of caPEM.
func trustPool(caPEM string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if caPEM != "" && !pool.AppendCertsFromPEM([]byte(caPEM)) {
		return nil, withCode(codeChartTLSFailed, errors.New("the chart's CA bundle holds no PEM certificate"))
	}
	return pool, nil
}

// newChartSource sets up what a request needs to fetch its chart; close it when done.
func newChartSource(ref *chartRef, credentialsFile string) (*chartSource, error) {
	pool, err := trustPool(ref.CABundle)
	if err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	observer := &exchangeObserver{base: transport}
	src := &chartSource{auth: ref.Auth, caPEM: ref.CABundle, observer: observer, client: &http.Client{Transport: observer}}
	opts := []registry.ClientOption{
		registry.ClientOptEnableCache(true),
		registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(credentialsFile),
		registry.ClientOptHTTPClient(src.client),
	}
	if ref.Auth != nil {
		opts = append(opts, registry.ClientOptBasicAuth(ref.Auth.Username, ref.Auth.Password))
	}
	if src.registry, err = registry.NewClient(opts...); err != nil {
		return nil, err
	}
	if ref.CABundle != "" && ref.Repo != "" {
		if src.caFile, err = writeTemp(ref.CABundle); err != nil {
			return nil, err
		}
	}
	return src, nil
}

// writeTemp writes text into a new 0600 file (os.CreateTemp's mode) and returns its path.
func writeTemp(text string) (string, error) {
	f, err := os.CreateTemp("", "spe-chart-ca-*.pem")
	if err != nil {
		return "", err
	}
	_, werr := f.WriteString(text)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func (s *chartSource) close() {
	if s.caFile != "" {
		_ = os.Remove(s.caFile)
	}
	s.client.CloseIdleConnections()
}

func (s *chartSource) credentials() (string, string) {
	if s.auth == nil {
		return "", ""
	}
	return s.auth.Username, s.auth.Password
}
