// What vialwise expects to read (SPEC section 3). Missing data is not rejected: the engine raises
// the documentation gap named on the element instead, so cardinalities stay as in R4 where a gap
// covers the absence.

Profile: VialwiseMedicationAdministration
Parent: MedicationAdministration
Id: vialwise-medication-administration
Title: "vialwise MedicationAdministration"
Description: "A drug administration as vialwise reads it to derive billable HCPCS lines, JW/JZ wastage lines and documentation gaps."
* status MS
* status ^short = "completed | stopped (billed for the amount given); in-progress, not-done: not billed; entered-in-error: lines removed"
* medication[x] MS
* medication[x] ^short = "NDC and/or RxNorm coding (contained or referenced Medication, or a CodeableConcept)"
* subject MS
* subject only Reference(Patient)
* subject ^short = "Must match the Encounter's subject (else patient-mismatch)"
* context MS
* context only Reference(Encounter)
* context ^short = "The Encounter: the unit of work (absent: missing-encounter)"
* effective[x] MS
* effective[x] ^short = "Start gives the date of service; infusions need the end (else missing-administration-time)"
* performer MS
* performer ^short = "Absent: missing-performer"
* reasonCode MS
* reasonReference MS
* reasonReference ^short = "Linked Condition(s): diagnoses (absent on the encounter too: missing-diagnosis)"
* request MS
* dosage MS
* dosage ^short = "Dose, or rate with a duration (absent: missing-dose)"
* dosage.extension contains
    DiscardedAmount named discardedAmount 0..1 MS and
    ContainersOpened named containersOpened 0..1 MS
// Constraining the slices' url makes SUSHI expand them so validators count them (FHIR-NOTES).
* dosage.extension[discardedAmount].url 1..1
* dosage.extension[containersOpened].url 1..1
* dosage.route 0..1 MS
* dosage.route ^short = "Absent: missing-route"
* dosage.dose MS
* dosage.dose ^short = "UCUM mass (g, mg, ug) or mL"
* dosage.rate[x] MS
* dosage.rate[x] ^short = "rateQuantity (mL/h, mg/h, ug/kg/min) or rateRatio"

Profile: VialwiseMedication
Parent: Medication
Id: vialwise-medication
Title: "vialwise Medication"
Description: "A drug product as vialwise reads it: NDC and/or RxNorm code, strength, package amount and, when the catalog does not know the NDC, whether the container is single- or multi-dose."
* extension contains ContainerUse named containerUse 0..1 MS
* extension[containerUse].url 1..1
* code MS
* code ^short = "NDC (http://hl7.org/fhir/sid/ndc) first, then RxNorm"
* ingredient MS
* ingredient.strength MS
* ingredient.strength ^short = "Concentration, to convert mL into the billing code's measure"
* amount MS
