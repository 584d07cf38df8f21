// Command images writes OCI image archives of the local cluster's images
// without a container engine or a registry: each archive holds oci-layout,
// index.json, one uncompressed layer, a config and a manifest, which
// `ctr images import` loads as is.
//
//	images -bin bin -out .local/images pause busybox manager webhook daemon
//
// Every archive is <out>/<image>.tar; the image names are listed in images.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// image describes one archive: its reference and how to fill its layer.
type image struct {
	ref        string
	entrypoint []string
	user       string
	build      func(l *layer, bin string) error
}

// Nonroot is the user the manager and webhook images run as (distroless's
// "nonroot"); the daemon runs as root, which its DaemonSet requires.
const nonroot = "65532:65532"

var images = map[string]image{
	"pause": {ref: "localhost/pause:local", entrypoint: []string{"/pause"}, user: "65535:65535",
		build: func(l *layer, bin string) error { return l.file("pause", filepath.Join(bin, "pause"), 0o755) }},
	"busybox": {ref: "localhost/busybox:local", entrypoint: []string{"/bin/sh"}, build: buildBusybox},
	"manager": {ref: "localhost/security-profiles-operator:local", entrypoint: []string{"/manager"}, user: nonroot,
		build: buildManager},
	"webhook": {ref: "localhost/security-profiles-operator-webhook:local", entrypoint: []string{"/webhook"}, user: nonroot,
		build: staticBinary("webhook")},
	"daemon": {ref: "localhost/security-profiles-operator-daemon:local", entrypoint: []string{"/daemon"}, user: "0:0",
		build: buildDaemon},
}

func main() {
	bin := flag.String("bin", "bin", "directory holding the built binaries")
	out := flag.String("out", ".local/images", "directory the archives are written to")
	list := flag.Bool("list", false, "print name and reference of every image and exit")
	flag.Parse()
	names := make([]string, 0, len(images))
	for n := range images {
		names = append(names, n)
	}
	sort.Strings(names)
	if *list {
		for _, n := range names {
			fmt.Printf("%s\t%s\n", n, images[n].ref)
		}
		return
	}
	if flag.NArg() == 0 {
		fmt.Fprintf(os.Stderr, "usage: images [-bin DIR] [-out DIR] IMAGE...  (images: %s)\n", strings.Join(names, " "))
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}
	for _, n := range flag.Args() {
		img, ok := images[n]
		if !ok {
			fatal(fmt.Errorf("unknown image %q (images: %s)", n, strings.Join(names, " ")))
		}
		path := filepath.Join(*out, n+".tar")
		if err := write(path, img, *bin); err != nil {
			fatal(fmt.Errorf("image %s: %w", n, err))
		}
		fmt.Printf("%s\t%s\n", path, img.ref)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "images:", err)
	os.Exit(1)
}
