package conventions

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoTimedAssertions: a test asserts what code does, never how fast it
// did it (STYLE.md: benchmarks live in `make bench`). Speed depends on the
// machine and its load, so such an assertion fails at random on a busy
// machine, and passes on a fast one whatever the code does. The test
// finds clock readings (time.Since, time.Until, a Sub of time.Now(), and
// variables holding one) that reach an assertion or a comparison in a
// _test.go file. Printing a reading, and timeouts that only keep a hung
// test from hanging, are fine.
func TestNoTimedAssertions(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no repository root at %s: %v", root, err)
	}
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "bin" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		found = append(found, timedAssertions(t, path, rel)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("%s: a clock reading is asserted on; print it from make bench (hack/bench/) instead", f)
	}
}

// timedAssertions lists "file:line" of every assertion or comparison on a
// clock reading in one file.
func timedAssertions(t *testing.T, path, rel string) []string {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", rel, err)
	}
	var out []string
	report := func(n ast.Node) { out = append(out, rel+":"+strconv.Itoa(fset.Position(n.Pos()).Line)) }
	for _, decl := range file.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		measured := readings(fn.Body)
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BinaryExpr:
				if isComparison(n.Op) && (uses(n.X, measured) || uses(n.Y, measured)) {
					report(n)
				}
			case *ast.CallExpr:
				if isAssertion(n) && len(n.Args) > 0 && uses(n.Args[0], measured) {
					report(n)
				}
			}
			return true
		})
	}
	return out
}

// readings are the names of variables a function assigns a clock reading
// to (d := time.Since(start)).
func readings(body *ast.BlockStmt) map[string]bool {
	names := map[string]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
			for i, rhs := range as.Rhs {
				if id, ok := as.Lhs[i].(*ast.Ident); ok && isReading(rhs) {
					names[id.Name] = true
				}
			}
		}
		return true
	})
	return names
}

// uses reports whether e contains a clock reading or a variable holding one.
func uses(e ast.Expr, measured map[string]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			found = found || measured[n.Name]
		case ast.Expr:
			found = found || isReading(n)
		}
		return !found
	})
	return found
}

// isReading matches time.Since(x), time.Until(x) and time.Now().Sub(x).
func isReading(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if isPkg(sel.X, "time") && (sel.Sel.Name == "Since" || sel.Sel.Name == "Until") {
		return true
	}
	if now, ok := sel.X.(*ast.CallExpr); ok && sel.Sel.Name == "Sub" {
		if f, ok := now.Fun.(*ast.SelectorExpr); ok && isPkg(f.X, "time") && f.Sel.Name == "Now" {
			return true
		}
	}
	return false
}

// isAssertion matches Expect, Ω and their g./gomega. forms.
func isAssertion(call *ast.CallExpr) bool {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name == "Expect" || f.Name == "Ω"
	case *ast.SelectorExpr:
		return f.Sel.Name == "Expect" || f.Sel.Name == "Ω"
	}
	return false
}

func isComparison(op token.Token) bool {
	return op == token.LSS || op == token.LEQ || op == token.GTR || op == token.GEQ
}

func isPkg(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// TestTimedAssertionsFinds pins what the check above matches and what it
// leaves alone.
func TestTimedAssertionsFinds(t *testing.T) {
	src := `package x

func f(t *testing.T, g Gomega) {
	start := time.Now()
	elapsed := time.Since(start)
	g.Expect(elapsed).To(BeNumerically("<", 2*time.Second))     // line 6: flagged
	Expect(time.Now().Sub(start) < time.Second).To(BeTrue())    // line 7: flagged (twice)
	if time.Until(deadline) <= 0 {                              // line 8: flagged
	}
	t.Logf("took %s", elapsed)                                   // printed: fine
	if d := th.Delay(a); d > time.Hour {                         // no clock: fine
	}
	Eventually(done).WithTimeout(30 * time.Second).Should(Succeed()) // hang guard: fine
}
`
	path := filepath.Join(t.TempDir(), "x_test.go")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(timedAssertions(t, path, "x"), " ")
	if want := "x:6 x:7 x:7 x:8"; got != want {
		t.Errorf("found %q, want %q", got, want)
	}
}
