// One DetectedIssue per documentation gap (SPEC sections 5 and 6). The CodeSystem, its ValueSet and
// the severity invariant vw-gap-severity are generated from src/domain/gaps.ts into
// documentation-gap-codes.fsh.

Profile: VialwiseDocumentationGap
Parent: DetectedIssue
Id: vialwise-documentation-gap
Title: "vialwise documentation gap"
Description: "A documentation gap that would get the claim denied or leave money on the table, with one plain sentence for the clinician saying what to document and, when it can be estimated, the revenue at risk."
* obeys vw-gap-1 and vw-gap-2 and vw-gap-severity
* extension contains RevenueAtRisk named revenueAtRisk 0..1 MS
// Constraining the slice's url makes SUSHI expand the slice so validators count it (FHIR-NOTES).
* extension[revenueAtRisk].url 1..1
* meta.tag MS
* meta.tag ^slicing.discriminator.type = #value
* meta.tag ^slicing.discriminator.path = "system"
* meta.tag ^slicing.rules = #open
* meta.tag ^slicing.description = "Sliced by system: the price-basis tags say what the revenue at risk is valued at."
* meta.tag contains priceBasis 0..* MS
* meta.tag[priceBasis] ^short = "earlier-quarter | illustrative (revenue at risk is always valued at the CMS payment limit)"
* meta.tag[priceBasis] from PriceBasisValues (required)
* meta.tag[priceBasis].system 1..1
* meta.tag[priceBasis].system = "https://vialwise.dev/fhir/CodeSystem/price-basis"
* meta.tag[priceBasis].code 1..1
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Sliced by system: the vialwise gap identifier is the key of conditional creates."
* identifier contains documentationGap 1..1 MS
* identifier[documentationGap] ^short = "<Encounter id>:<gap code>:<MedicationAdministration id or line key>"
* identifier[documentationGap].system 1..1
* identifier[documentationGap].system = $GAP_SID
* identifier[documentationGap].value 1..1
* status MS
* status ^short = "preliminary while open | final when resolved | entered-in-error"
* code 1..1 MS
* code from DocumentationGapValues (required)
* code.coding 1..* MS
* code.coding ^slicing.discriminator.type = #value
* code.coding ^slicing.discriminator.path = "system"
* code.coding ^slicing.rules = #open
* code.coding contains gap 1..1 MS
* code.coding[gap].system 1..1
* code.coding[gap].system = "https://vialwise.dev/fhir/CodeSystem/documentation-gap"
* code.coding[gap].code 1..1
* severity 1..1 MS
* severity ^short = "Fixed per code by the documentation-gap CodeSystem's severity property"
* patient 1..1 MS
* patient only Reference(Patient)
* identified[x] 1..1 MS
* identified[x] only dateTime
* author 1..1 MS
* author only Reference(Device)
* author ^short = "The vialwise Device (identifier https://vialwise.dev/fhir/sid/device|vialwise)"
* implicated MS
* implicated only Reference(MedicationAdministration or Claim or ChargeItem or Encounter or Coverage)
* implicated ^short = "The administration(s) and the Claim the gap is about"
* detail 1..1 MS
* detail ^short = "One plain sentence for a clinician: what to document"
* mitigation MS
* mitigation ^short = "Set when a later evaluation no longer finds the gap (status final)"
* mitigation.action from GapMitigations (extensible)

Invariant: vw-gap-1
Description: "A documentation gap is preliminary (open), final (resolved) or entered-in-error."
Expression: "status = 'preliminary' or status = 'final' or status = 'entered-in-error'"
Severity: #error

Invariant: vw-gap-2
Description: "A resolved (final) gap records its mitigation."
Expression: "status = 'final' implies mitigation.exists()"
Severity: #error

CodeSystem: GapMitigationCodes
Id: gap-mitigation
Title: "Documentation gap mitigations"
Description: "What happened to a documentation gap: resolved by a later evaluation (written by vialwise), or acknowledged by a clinician with a note (written from the worklist)."
* ^url = "https://vialwise.dev/fhir/CodeSystem/gap-mitigation"
* ^caseSensitive = true
* ^experimental = false
* #resolved "Resolved by documentation" "A later evaluation no longer finds the gap; the DetectedIssue is final."
* #acknowledged "Acknowledged by a clinician" "A clinician has seen the gap and recorded a note; the gap stays open until the documentation is fixed."

ValueSet: GapMitigations
Id: gap-mitigation
Title: "Documentation gap mitigations"
Description: "All codes of the gap-mitigation CodeSystem."
* ^url = "https://vialwise.dev/fhir/ValueSet/gap-mitigation"
* ^experimental = false
* include codes from system GapMitigationCodes
