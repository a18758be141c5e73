// Command gopeer is Go's crypto/tls as a peer for keel's interop tests
// (tests/interop/go.rs builds and runs it).
//
//	gopeer client -addr 127.0.0.1:PORT -ca roots.pem -name localhost -alpn keel-interop -message TEXT [-connections N] [-min-version 1.3]
//	gopeer server -cert server.crt -key server.key -alpn keel-interop [-connections N] [-no-tickets] [-min-version 1.3]
//
// Both sides use Go's defaults for everything else (cipher suites, groups,
// and the versions unless -min-version raises the lowest one): the point
// is to see what Go negotiates with keel when left to itself.
//
// Output, on stdout, one line per event, each a list of key="value"
// pairs with Go-quoted values, which the Rust tests parse:
//
//	listening="127.0.0.1:PORT"                      (server, once it listens)
//	conn="1" version="TLS 1.2" suite="..." curve="X25519" alpn="..." resumed="false" reply="..."
//	conn="1" error="..."                            (a connection that failed)
//
// The client sends MESSAGE and a newline on each connection and reads the
// answer up to a newline (reply); the server reads a line (received) and
// answers "go echo: " and that line, then closes with close_notify. The
// exit status is 0 when every connection succeeded, 1 otherwise.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// ioTimeout bounds every connection, so a stuck peer cannot hang a test.
const ioTimeout = 5 * time.Second

// echoPrefix is what the server puts before the line it echoes.
const echoPrefix = "go echo: "

func main() {
	if len(os.Args) < 2 {
		fail("usage: gopeer client|server [flags]")
	}
	var ok bool
	switch os.Args[1] {
	case "client":
		ok = client(os.Args[2:])
	case "server":
		ok = server(os.Args[2:])
	default:
		fail("unknown mode " + os.Args[1])
	}
	if !ok {
		os.Exit(1)
	}
}

func client(args []string) bool {
	flags := flag.NewFlagSet("client", flag.ExitOnError)
	addr := flags.String("addr", "", "the server's address, 127.0.0.1:PORT")
	caFile := flags.String("ca", "", "PEM file of the roots to trust")
	name := flags.String("name", "", "the server name to send and verify")
	alpn := flags.String("alpn", "", "the ALPN protocol to offer (none if empty)")
	message := flags.String("message", "hello from Go", "the line to send")
	connections := flags.Int("connections", 1, "how many connections to make, one after the other")
	minVersion := flags.String("min-version", "", "the lowest TLS version to accept, 1.2 or 1.3 (Go's default if empty)")
	flags.Parse(args)

	roots := x509.NewCertPool()
	pem, err := os.ReadFile(*caFile)
	if err != nil || !roots.AppendCertsFromPEM(pem) {
		fail(fmt.Sprintf("cannot load roots from %q: %v", *caFile, err))
	}
	config := &tls.Config{
		RootCAs:    roots,
		ServerName: *name,
		// Go resumes TLS 1.2 sessions only with tickets, kept here per
		// server name across this process's connections.
		ClientSessionCache: tls.NewLRUClientSessionCache(4),
		MinVersion:         version(*minVersion),
	}
	if *alpn != "" {
		config.NextProtos = []string{*alpn}
	}

	ok := true
	for i := 1; i <= *connections; i++ {
		if !clientConnection(i, *addr, config, *message) {
			ok = false
		}
	}
	return ok
}

// clientConnection runs one connection and prints what it negotiated.
func clientConnection(index int, addr string, config *tls.Config, message string) bool {
	dialer := &net.Dialer{Timeout: ioTimeout}
	conn, err := tls.DialWithDialer(dialer, "tcp", addr, config)
	if err != nil {
		report(index, "error", err.Error())
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := conn.Write([]byte(message + "\n")); err != nil {
		report(index, "error", err.Error())
		return false
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		report(index, "error", err.Error())
		return false
	}
	report(index, append(negotiated(conn.ConnectionState()), "reply", strings.TrimSuffix(reply, "\n"))...)
	return true
}

func server(args []string) bool {
	flags := flag.NewFlagSet("server", flag.ExitOnError)
	certFile := flags.String("cert", "", "PEM file of the certificate chain")
	keyFile := flags.String("key", "", "PEM file of the private key")
	alpn := flags.String("alpn", "", "the ALPN protocol to accept (none if empty)")
	connections := flags.Int("connections", 1, "how many connections to serve, one after the other")
	noTickets := flags.Bool("no-tickets", false, "issue no session tickets")
	minVersion := flags.String("min-version", "", "the lowest TLS version to accept, 1.2 or 1.3 (Go's default if empty)")
	flags.Parse(args)

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		fail(fmt.Sprintf("cannot load the certificate: %v", err))
	}
	config := &tls.Config{
		Certificates:           []tls.Certificate{cert},
		SessionTicketsDisabled: *noTickets,
		MinVersion:             version(*minVersion),
	}
	if *alpn != "" {
		config.NextProtos = []string{*alpn}
	}

	// Loopback only, on a port the kernel picks; the test reads it here.
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(fmt.Sprintf("cannot listen: %v", err))
	}
	defer listener.Close()
	fmt.Printf("listening=%q\n", listener.Addr().String())

	ok := true
	for i := 1; i <= *connections; i++ {
		tcp, err := listener.Accept()
		if err != nil {
			fail(fmt.Sprintf("accept: %v", err))
		}
		if !serverConnection(i, tls.Server(tcp, config)) {
			ok = false
		}
	}
	return ok
}

// serverConnection runs one connection and prints what it negotiated.
func serverConnection(index int, conn *tls.Conn) bool {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(ioTimeout))
	if err := conn.Handshake(); err != nil {
		report(index, "error", err.Error())
		return false
	}
	received, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		report(index, "error", err.Error())
		return false
	}
	if _, err := conn.Write([]byte(echoPrefix + received)); err != nil {
		report(index, "error", err.Error())
		return false
	}
	// Close sends close_notify.
	if err := conn.Close(); err != nil {
		report(index, "error", err.Error())
		return false
	}
	report(index, append(negotiated(conn.ConnectionState()), "received", strings.TrimSuffix(received, "\n"))...)
	return true
}

// version is the tls.Config.MinVersion for a -min-version flag: zero, Go's
// default, when it is empty.
func version(name string) uint16 {
	switch name {
	case "":
		return 0
	case "1.2":
		return tls.VersionTLS12
	case "1.3":
		return tls.VersionTLS13
	}
	fail("unknown -min-version " + name)
	return 0
}

// negotiated lists what a finished handshake agreed on, as key, value,
// key, value...
func negotiated(state tls.ConnectionState) []string {
	return []string{
		"version", tls.VersionName(state.Version),
		"suite", tls.CipherSuiteName(state.CipherSuite),
		"curve", state.CurveID.String(),
		"alpn", state.NegotiatedProtocol,
		"resumed", fmt.Sprint(state.DidResume),
	}
}

// report prints one line: conn="index" and the pairs.
func report(index int, pairs ...string) {
	var line strings.Builder
	fmt.Fprintf(&line, "conn=%q", fmt.Sprint(index))
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&line, " %s=%q", pairs[i], pairs[i+1])
	}
	fmt.Println(line.String())
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "gopeer:", message)
	os.Exit(2)
}
