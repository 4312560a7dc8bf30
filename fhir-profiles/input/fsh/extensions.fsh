// The five extensions of SPEC section 3. Each value[x] is 1..1: an extension without a value says nothing.

Extension: DiscardedAmount
Id: discarded-amount
Title: "Discarded amount"
Description: "Amount documented as discarded from the opened container(s) for this dose, as a UCUM mass (g, mg, ug, ng) or volume (mL, L). Drives the JW wastage line (SPEC section 4, step 5)."
Context: MedicationAdministration.dosage
* value[x] 1..1
* value[x] only Quantity
* valueQuantity obeys vw-discarded-1
* valueQuantity.value 1..1
* valueQuantity.system 1..1
* valueQuantity.system = $UCUM
* valueQuantity.code 1..1

Invariant: vw-discarded-1
Description: "The discarded amount is a non-negative UCUM mass (g, mg, ug, ng) or volume (mL, L)."
Expression: "value >= 0 and (code = 'g' or code = 'mg' or code = 'ug' or code = 'ng' or code = 'mL' or code = 'L')"
Severity: #error

Extension: ContainersOpened
Id: containers-opened
Title: "Containers opened"
Description: "How many containers (vials, bags, syringes) were opened for this dose. When absent, vialwise assumes the fewest containers that hold the dose (SPEC section 4, step 6)."
Context: MedicationAdministration.dosage
* value[x] 1..1
* value[x] only integer
* valueInteger obeys vw-containers-1

Invariant: vw-containers-1
Description: "At least one container is opened for a dose."
Expression: "$this >= 1"
Severity: #error

Extension: ContainerUse
Id: container-use
Title: "Container use"
Description: "Label status of the package (single-dose or multi-dose), used when the drug catalog does not know the NDC. JW/JZ apply to single-dose containers only (SPEC section 4, step 7)."
Context: Medication
* value[x] 1..1
* value[x] only code
* valueCode from ContainerUseValues (required)

CodeSystem: ContainerUseCodes
Id: container-use
Title: "Container use"
Description: "Label status of a drug package."
* ^caseSensitive = true
* ^experimental = false
* #single-dose "Single-dose container" "The label says single-dose (or single-use): what is not given is discarded."
* #multi-dose "Multi-dose container" "The label says multi-dose: the container may be used for more than one dose or patient."

ValueSet: ContainerUseValues
Id: container-use
Title: "Container use"
Description: "All codes of the container-use CodeSystem."
* ^experimental = false
* include codes from system ContainerUseCodes

Extension: SourceAdministration
Id: source-administration
Title: "Source administration"
Description: "A MedicationAdministration the Claim line was derived from. Repeats when a line sums several administrations of the same code, date of service and NDC."
Context: Claim.item
* value[x] 1..1
* value[x] only Reference(MedicationAdministration)
* valueReference.reference 1..1

Extension: RevenueAtRisk
Id: revenue-at-risk
Title: "Revenue at risk"
Description: "Estimated payment lost if the documentation gap stays open, in US dollars, priced from the catalog payment limit for the code and quarter."
Context: DetectedIssue
* value[x] 1..1
* value[x] only Money
* valueMoney.value 1..1
* valueMoney.currency 1..1
* valueMoney.currency = #USD
