// Package disabledprofile reports spec.disabled on the profile kinds this
// build installs on no node (SelinuxProfile, RawSelinuxProfile,
// AppArmorProfile): a disabled one reads Disabled, and enabling it again
// clears that state. SeccompProfiles report Disabled through their node
// daemons instead (see controllers/seccompprofile).
package disabledprofile
