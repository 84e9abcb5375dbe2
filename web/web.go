// Package web holds the web client's build output, embedded in the binary.
//
// `npm run build` (run by `make build`) writes the client to dist/app. The
// committed dist/unbuilt page stands in when that build has never run, so
// the Go build and the Go tests never depend on Node.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Assets returns the files to serve at the site root, and whether they are
// the real client (false: only a page saying to run `make build`).
func Assets() (fs.FS, bool) {
	dir, built := "dist/app", true
	if _, err := fs.Stat(dist, dir+"/index.html"); err != nil {
		dir, built = "dist/unbuilt", false
	}
	sub, err := fs.Sub(dist, dir)
	if err != nil {
		panic(err) // fs.Sub fails only on an invalid path, and dir is a valid constant
	}
	return sub, built
}
