package selinuxcil

import "strings"

// scope is where declarations count for scoped statements: a block or a
// macro (CIL namespaces), or an optional or a branch of a condition. The
// last two are no namespaces to CIL, but what they declare can vanish (an
// optional whose requirements are missing is left out; a branch may not
// be taken), and then a plain name falls through to the global namespace:
// an optional declaring "typeattribute domain" and requiring a missing
// type would make "(typeattributeset domain …)" beside it add to the base
// policy's domain. So their declarations only count inside them.
type scope struct {
	parent *scope
	// decls maps a declaring keyword (block, macro, typeattribute …) to the
	// names it declares here.
	decls map[string]map[string]bool
	// params are a macro's parameters: they stand for whatever the caller
	// passes, so no scoped statement may name one.
	params map[string]bool
}

func (s *scope) declare(kind, name string) {
	if s.decls[kind] == nil {
		s.decls[kind] = map[string]bool{}
	}
	s.decls[kind][name] = true
}

// checker walks a raw policy's statements the way secilc builds them: the
// lists after a container's header are statements; a leaf statement's
// lists are its arguments.
type checker struct {
	policyName string
	scopes     map[*node]*scope // of each block, macro, optional and branch
}

// newChecker collects the declarations of the policy's top block first:
// CIL declarations hold for the whole namespace, wherever they are written.
func newChecker(policyName string, top *node) *checker {
	c := &checker{policyName: policyName, scopes: map[*node]*scope{}}
	c.collect([]*node{top}, nil)
	return c
}

func (c *checker) newScope(n *node, parent *scope) *scope {
	s := &scope{parent: parent, decls: map[string]map[string]bool{}, params: map[string]bool{}}
	c.scopes[n] = s
	return s
}

// collect records what stmts declare in s, descending into containers.
func (c *checker) collect(stmts []*node, s *scope) {
	for _, st := range stmts {
		kw, ok := st.head()
		if !ok {
			continue
		}
		name := atomAt(st, 1)
		if s == nil && kw != "block" {
			continue // only the top block stands outside every scope
		}
		switch kw {
		case "block":
			if s != nil {
				s.declare(kw, name)
			}
			c.collect(rest(st, 2), c.newScope(st, s))
		case "macro":
			s.declare(kw, name)
			m := c.newScope(st, s)
			if len(st.list) > 2 {
				for _, p := range st.list[2].list {
					m.params[atomAt(p, 1)] = true
				}
			}
			c.collect(rest(st, 3), m)
		case "optional":
			c.collect(rest(st, 2), c.newScope(st, s))
		case "booleanif", "tunableif":
			c.collect(rest(st, 2), s)
		case "true", "false":
			c.collect(rest(st, 1), c.newScope(st, s))
		case "typeattribute", "roleattribute", "classpermission",
			"typealias", "sensitivityalias", "categoryalias":
			s.declare(kw, name)
		}
	}
}

func (c *checker) checkStatements(stmts []*node, s *scope) error {
	for _, st := range stmts {
		if err := c.checkStatement(st, s); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) checkStatement(st *node, s *scope) error {
	if !st.isList {
		return lineErrorf(st.line, "%q stands outside any statement", st.atom)
	}
	kw, ok := st.head()
	if !ok {
		return lineErrorf(st.line, "a statement must start with a keyword")
	}
	if why, refused := refusedStatements[kw]; refused {
		return lineErrorf(st.line, "%s is not allowed: %s", kw, why)
	}
	if !acceptedStatements[kw] {
		return lineErrorf(st.line, "unknown statement %q", kw)
	}
	switch kw {
	case "block", "optional":
		if err := needName(st, kw); err != nil {
			return err
		}
		return c.checkStatements(rest(st, 2), c.scopes[st])
	case "macro":
		if err := checkMacroHeader(st); err != nil {
			return err
		}
		return c.checkStatements(rest(st, 3), c.scopes[st])
	case "booleanif", "tunableif":
		if len(st.list) < 2 {
			return lineErrorf(st.line, "%s needs a condition", kw)
		}
		if err := checkArguments(kw, st.list[1:2]); err != nil {
			return err
		}
		return c.checkStatements(rest(st, 2), s)
	case "true", "false":
		return c.checkStatements(rest(st, 1), c.scopes[st])
	}
	if err := checkArguments(kw, st.list[1:]); err != nil {
		return err
	}
	if scoped, ok := scopedStatements[kw]; ok {
		return c.checkScoped(st, kw, scoped.declaredBy, scoped.why, s)
	}
	return nil
}

// checkScoped checks that a scoped statement's first argument resolves to
// a declaration of this policy.
func (c *checker) checkScoped(st *node, kw, declaredBy, why string, s *scope) error {
	if len(st.list) < 2 || st.list[1].isList {
		return lineErrorf(st.line, "%s needs a name", kw)
	}
	name := st.list[1].atom
	if strings.Contains(name, ".") || !c.declaredInPolicy(s, declaredBy, name) {
		return lineErrorf(st.line, "%s %q: names no %s declared in this policy (write its plain name, without '.'): %s", kw, name, declaredBy, why)
	}
	return nil
}

// declaredInPolicy reports whether name, looked up from scope s the way
// CIL looks up a plain name, is found among this policy's declarations.
func (c *checker) declaredInPolicy(s *scope, kind, name string) bool {
	for ; s != nil; s = s.parent {
		if s.params[name] {
			return false
		}
		if s.decls[kind][name] {
			return true
		}
	}
	// In the global namespace, the policy declares only its own block.
	return kind == "block" && name == c.policyName
}

// checkArguments refuses structural or refused keywords at the head of
// any list among a statement's arguments.
func checkArguments(kw string, args []*node) error {
	for _, a := range args {
		if !a.isList {
			continue
		}
		if h, ok := a.head(); ok && (structuralKeywords[h] || scopedStatements[h].declaredBy != "" || refusedStatements[h] != "") {
			return lineErrorf(a.line, "%q inside the arguments of %s", h, kw)
		}
		if err := checkArguments(kw, a.list); err != nil {
			return err
		}
	}
	return nil
}

// checkMacroHeader checks "(macro name ((kind param) …) …)": its
// parameter list holds pairs of plain names and nothing else.
func checkMacroHeader(st *node) error {
	if err := needName(st, "macro"); err != nil {
		return err
	}
	if len(st.list) < 3 || !st.list[2].isList {
		return lineErrorf(st.line, "macro needs a parameter list")
	}
	for _, p := range st.list[2].list {
		if !p.isList || len(p.list) != 2 || p.list[0].isList || p.list[1].isList {
			return lineErrorf(st.line, "a macro parameter must be (<kind> <name>)")
		}
	}
	return nil
}

// checkAtoms refuses names starting with '.': they are absolute, looked up
// in the global namespace, the way out of the profile's block (e.g. to add
// its type to a global attribute). Quoted strings count too: secilc reads
// ".x" as .x.
func checkAtoms(n *node) error {
	if !n.isList {
		if strings.HasPrefix(n.atom, ".") {
			return lineErrorf(n.line, "%q starts with '.': names in the global namespace are not allowed", n.atom)
		}
		return nil
	}
	for _, child := range n.list {
		if err := checkAtoms(child); err != nil {
			return err
		}
	}
	return nil
}

func needName(st *node, kw string) error {
	if len(st.list) < 2 || st.list[1].isList {
		return lineErrorf(st.line, "%s needs a name", kw)
	}
	return nil
}

// atomAt returns the atom at index i of a list, or "".
func atomAt(n *node, i int) string {
	if !n.isList || len(n.list) <= i || n.list[i].isList {
		return ""
	}
	return n.list[i].atom
}

// rest returns the elements of a list from index i on.
func rest(n *node, i int) []*node {
	if len(n.list) <= i {
		return nil
	}
	return n.list[i:]
}
