// Package selinux is the node daemon's SELinux half: it turns each
// SelinuxProfile and RawSelinuxProfile into a CIL file in the directory
// selinuxd watches, follows the policy's installation through selinuxd's
// socket API, removes the file when the profile goes, and reports the
// outcome in a SecurityProfileNodeStatus. A RawSelinuxProfile named like
// a SelinuxProfile of its namespace would share its policy: it yields the
// file to the SelinuxProfile until that one goes. It also keeps the
// permissive policy the SELinux recorder gives recorded containers, and at
// start removes the files of profiles deleted while the daemon was down.
package selinux
