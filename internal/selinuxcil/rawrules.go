package selinuxcil

// The statements a RawSelinuxProfile may hold. A raw policy is one
// profile's block: what it declares lives in that block's namespace, and
// its rules should only shape what its own processes may do. Statements
// that act on the whole policy, on other policies or on the node are
// refused, each for the reason given; statements not listed in either
// table are refused as unknown, so a statement added by a later CIL
// version is refused until someone decides it is safe.
//
// What this does not limit: rules may still name types of the base
// policy or of other profiles in any position, e.g. an allow rule whose
// source is container_t, or (typepermissive container_t); both change
// what every container may do. Telling such names from the ones a profile
// needs takes the templates' contents, which the operator does not have,
// so creating RawSelinuxProfiles should stay with administrators (RBAC).

// refusedStatements maps a refused keyword to why it is refused.
var refusedStatements = map[string]string{}

func refuse(reason string, keywords ...string) {
	for _, kw := range keywords {
		refusedStatements[kw] = reason
	}
}

func init() {
	refuse("it adds statements to another block, outside this profile's",
		"in")
	refuse("it sets up the whole policy (a global-only statement), not one profile's rules",
		"mls", "handleunknown", "policycap", "sid", "sidorder", "sidcontext",
		"classorder", "class", "common", "classcommon",
		"sensitivity", "sensitivityorder", "category", "categoryorder", "sensitivitycategory",
		"defaultuser", "defaultrole", "defaulttype", "defaultrange")
	refuse("it labels objects of the node (files, file systems, ports, network interfaces, devices) for every process, not only this profile's",
		"filecon", "fsuse", "genfscon", "portcon", "netifcon", "nodecon", "ibpkeycon", "ibendportcon",
		"pirqcon", "iomemcon", "ioportcon", "pcidevicecon", "devicetreecon")
	refuse("a constraint restricts every domain on the node, not only this profile's",
		"constrain", "mlsconstrain", "validatetrans", "mlsvalidatetrans")
	refuse("it forbids rules of every other policy module: one profile could block the installation of others",
		"neverallow", "neverallowx")
	refuse("it takes away permissions other policy modules grant",
		"deny")
	refuse("bounds apply to types, roles or users other policies use too: a violation fails the compilation of every module",
		"typebounds", "rolebounds", "userbounds")
	refuse("SELinux users and their login mappings are identities of the whole node; a profile for pods has no use for them",
		"user", "userattribute", "userattributeset", "userrole", "userlevel", "userrange",
		"userprefix", "selinuxuser", "selinuxuserdefault")
	refuse("it changes which roles the processes of other policies may switch to",
		"roleallow", "roletransition")
	refuse("class maps are shared by policies: a mapping changes what every rule using the map grants",
		"classmap", "classmapping")
	refuse("it changes how attributes shared with other policies are compiled",
		"expandtypeattribute")
	refuse("it is internal to the CIL compiler",
		"<src_info>", "<src_cil>", "<src_hll>")
}

// acceptedStatements are the statements a raw policy may hold. The
// containers among them are walked into; the scoped ones must name a
// declaration of this policy (see scopedStatements).
var acceptedStatements = map[string]bool{
	// Containers.
	"block": true, "optional": true, "macro": true,
	"booleanif": true, "tunableif": true, "true": true, "false": true,
	// Templates, and the scoped statements.
	"blockinherit": true, "blockabstract": true, "call": true,
	"typeattributeset": true, "roleattributeset": true, "classpermissionset": true,
	"typealiasactual": true, "sensitivityaliasactual": true, "categoryaliasactual": true,
	// Declarations: they live in the profile's block.
	"type": true, "typeattribute": true, "typealias": true,
	"role": true, "roleattribute": true, "boolean": true, "tunable": true,
	"classpermission": true, "permissionx": true, "context": true, "ipaddr": true,
	"level": true, "levelrange": true, "categoryset": true,
	"sensitivityalias": true, "categoryalias": true,
	// Rules.
	"allow": true, "auditallow": true, "dontaudit": true,
	"allowx": true, "auditallowx": true, "dontauditx": true,
	"typepermissive": true, "typetransition": true, "typechange": true, "typemember": true,
	"rangetransition": true, "roletype": true,
}

// scopedStatements name, as their first argument, something they change or
// run: it must be declared in this policy, by the given statement, where
// CIL's name lookup finds it. A plain name is looked up in the enclosing
// block, then in each block around it, then in the global namespace; one
// not declared on that path belongs to another policy or the base policy.
var scopedStatements = map[string]struct {
	declaredBy string
	why        string
}{
	"blockabstract": {"block",
		"making another policy's block abstract removes it from the policy"},
	"call": {"macro",
		"a macro declared elsewhere runs statements this check never sees"},
	"typeattributeset": {"typeattribute",
		"adding types to a shared attribute gives them its rules and its exemptions from constraints"},
	"roleattributeset": {"roleattribute",
		"adding roles to a shared attribute gives them its rules"},
	"classpermissionset": {"classpermission",
		"adding to a shared class permission changes what every rule using it grants"},
	"typealiasactual": {"typealias",
		"pointing a shared alias at a type changes what every rule using the alias means"},
	"sensitivityaliasactual": {"sensitivityalias",
		"pointing a shared alias at a sensitivity changes what every rule using the alias means"},
	"categoryaliasactual": {"categoryalias",
		"pointing a shared alias at a category changes what every rule using the alias means"},
}

// structuralKeywords, like the scoped and the refused statements, never
// appear as data inside a statement's arguments. Found there they are
// refused, even though CIL would not read them as statements, so that no
// argument can hide one should secilc and this check ever disagree on
// where a list ends.
var structuralKeywords = map[string]bool{
	"block": true, "optional": true, "macro": true, "booleanif": true, "tunableif": true,
	"true": true, "false": true, "blockinherit": true,
}
