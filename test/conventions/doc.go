// Package conventions checks rules of the project's own tests that no
// compiler or linter enforces (see STYLE.md), by reading their source.
package conventions
