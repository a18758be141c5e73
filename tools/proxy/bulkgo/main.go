// Command bulkgo measures bulk MB/s through a TLS-terminating proxy, as
// tools/proxy/bulk.py does and with the same upstream protocol, with Go's
// crypto/tls on every core: a Python client tops out near 850 MB/s on
// the 2-core machine keel is measured on, at which point every proxy
// looks alike.
//
// Each connection sends 'u' and a big-endian uint64 length, then that
// many bytes, and waits for the upstream's 'k'; or 'd' and a length, and
// reads that many bytes. -conns connections run at once, together moving
// -mb MiB each way. Prints {"up": MB/s, "down": MB/s} (MiB-based, as
// bulk.py).
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

func main() {
	port := flag.Int("port", 0, "the proxy's port on 127.0.0.1")
	caFile := flag.String("ca", "", "the certificate to trust (PEM)")
	conns := flag.Int("conns", 1, "connections at once")
	mb := flag.Int64("mb", 64, "MiB each way, over all connections")
	flag.Parse()
	pem, err := os.ReadFile(*caFile)
	if err != nil {
		fail(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fail(fmt.Errorf("no certificate in %s", *caFile))
	}
	config := &tls.Config{
		RootCAs:          roots,
		ServerName:       "localhost",
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.X25519},
	}
	addr := fmt.Sprintf("127.0.0.1:%d", *port)
	each := *mb * 1024 * 1024 / int64(*conns)
	up := timed(*conns, each, func() error { return upload(addr, config, each) })
	down := timed(*conns, each, func() error { return download(addr, config, each) })
	out, _ := json.Marshal(map[string]float64{"up": up, "down": down})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bulkgo:", err)
	os.Exit(1)
}

// timed runs work on n connections at once and returns MiB/s over all.
func timed(n int, each int64, work func() error) float64 {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	started := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := work(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(started).Seconds()
	close(errs)
	for err := range errs {
		fail(err)
	}
	return float64(each*int64(n)) / (1024 * 1024) / elapsed
}

func dial(addr string, config *tls.Config, kind byte, length int64) (*tls.Conn, error) {
	conn, err := tls.Dial("tcp", addr, config)
	if err != nil {
		return nil, err
	}
	header := make([]byte, 9)
	header[0] = kind
	binary.BigEndian.PutUint64(header[1:], uint64(length))
	if _, err := conn.Write(header); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func upload(addr string, config *tls.Config, length int64) error {
	conn, err := dial(addr, config, 'u', length)
	if err != nil {
		return err
	}
	defer conn.Close()
	chunk := make([]byte, 64*1024)
	for sent := int64(0); sent < length; {
		n := int64(len(chunk))
		if length-sent < n {
			n = length - sent
		}
		if _, err := conn.Write(chunk[:n]); err != nil {
			return err
		}
		sent += n
	}
	ack := make([]byte, 1)
	if _, err := io.ReadFull(conn, ack); err != nil || ack[0] != 'k' {
		return fmt.Errorf("the upload was not acknowledged: %v", err)
	}
	return nil
}

func download(addr string, config *tls.Config, length int64) error {
	conn, err := dial(addr, config, 'd', length)
	if err != nil {
		return err
	}
	defer conn.Close()
	got, err := io.CopyBuffer(io.Discard, io.LimitReader(conn, length), make([]byte, 256*1024))
	if err != nil {
		return err
	}
	if got != length {
		return fmt.Errorf("the download ended after %d of %d bytes", got, length)
	}
	return nil
}
