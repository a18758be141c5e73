// The Go peer of keel's interop tests (tests/interop/go.rs). It uses the
// standard library only: the tests build it offline (GOPROXY=off).
module keel.test/gopeer

go 1.27
