package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// readArchive returns every regular file of a tar by name.
func readArchive(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = b
	}
}

func TestWriteIsAnImportableOCIArchive(t *testing.T) {
	img := image{ref: "localhost/test:local", entrypoint: []string{"/hello"}, user: nonroot,
		build: func(l *layer, _ string) error { return l.bytes("hello", []byte("hi"), 0o755) }}
	path := filepath.Join(t.TempDir(), "test.tar")
	if err := write(path, img, ""); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	files := readArchive(t, data)
	blob := func(digest string) []byte {
		t.Helper()
		b, ok := files["blobs/sha256/"+digest[len("sha256:"):]]
		if !ok {
			t.Fatalf("blob %s missing", digest)
		}
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256(b)); got != digest {
			t.Fatalf("blob %s has digest %s", digest, got)
		}
		return b
	}
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Fatalf("oci-layout = %q", files["oci-layout"])
	}
	var index struct {
		Manifests []descriptor `json:"manifests"`
	}
	if err := json.Unmarshal(files["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v %s", err, files["index.json"])
	}
	md := index.Manifests[0]
	if md.Annotations["io.containerd.image.name"] != img.ref || md.Platform == nil || md.Platform.OS != "linux" {
		t.Fatalf("manifest descriptor %+v", md)
	}
	var manifest struct {
		Config descriptor   `json:"config"`
		Layers []descriptor `json:"layers"`
	}
	if err := json.Unmarshal(blob(md.Digest), &manifest); err != nil || len(manifest.Layers) != 1 {
		t.Fatalf("manifest: %v", err)
	}
	var cfg struct {
		Config struct {
			Entrypoint []string
			User       string
		} `json:"config"`
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(blob(manifest.Config.Digest), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Config.User != nonroot || len(cfg.Config.Entrypoint) != 1 || cfg.Config.Entrypoint[0] != "/hello" {
		t.Fatalf("config %+v", cfg.Config)
	}
	if len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != manifest.Layers[0].Digest {
		t.Fatalf("diff_ids %v, layer %s: an uncompressed layer's diff ID is its digest", cfg.RootFS.DiffIDs, manifest.Layers[0].Digest)
	}
	layerFiles := readArchive(t, blob(manifest.Layers[0].Digest))
	for _, name := range []string{"hello", "etc/passwd", "etc/group"} {
		if _, ok := layerFiles[name]; !ok {
			t.Errorf("layer lacks %s", name)
		}
	}

	// Same inputs, same bytes: digests do not depend on the clock.
	again := filepath.Join(t.TempDir(), "again.tar")
	if err := write(again, img, ""); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, data) {
		t.Error("writing the same image twice gave different archives")
	}
}

func TestStaticBinaryRefusesDynamicBinaries(t *testing.T) {
	dir := t.TempDir()
	// /bin/sh is dynamically linked on Debian.
	sh, err := os.ReadFile("/bin/sh")
	if err != nil {
		t.Fatalf("read /bin/sh, a dynamically linked binary on every Debian machine: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manager"), sh, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := staticBinary("manager")(newLayer(), dir); err == nil {
		t.Fatal("a dynamically linked manager was accepted")
	}
}
