// The draft Claim vialwise writes: one per Encounter and primary Coverage. What each element
// becomes on an 837I/837P: docs/claim-mapping.md. The setting-specific rules (type of bill and
// revenue codes on institutional drafts, none on professional ones) are the two child profiles in
// claim-settings.fsh.

Profile: VialwiseClaimDraft
Parent: Claim
Id: vialwise-claim-draft
Title: "vialwise Claim draft"
Description: "A draft Claim holding the billable drug lines vialwise derived for one Encounter: HCPCS code and units, JW/JZ modifier, NDC detail and the administrations each line came from. vialwise never modifies a Claim that has left draft."
* obeys vw-claim-1 and vw-claim-2 and vw-claim-11 and vw-claim-12
* meta.tag MS
* meta.tag ^slicing.discriminator.type = #value
* meta.tag ^slicing.discriminator.path = "system"
* meta.tag ^slicing.rules = #open
* meta.tag ^slicing.description = "Sliced by system: the price-basis tags say where the money on the Claim comes from."
* meta.tag contains priceBasis 0..* MS
* meta.tag[priceBasis] ^short = "chargemaster | payment-limit-estimate | earlier-quarter | illustrative | suspect"
* meta.tag[priceBasis] from PriceBasisValues (required)
* meta.tag[priceBasis].system 1..1
* meta.tag[priceBasis].system = "https://vialwise.dev/fhir/CodeSystem/price-basis"
* meta.tag[priceBasis].code 1..1
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Sliced by system: the vialwise draft identifier is the key of conditional creates."
* identifier contains claimDraft 1..1 MS
* identifier[claimDraft] ^short = "Encounter/<id>: one draft per Encounter"
* identifier[claimDraft].system 1..1
* identifier[claimDraft].system = $CLAIM_DRAFT_SID
* identifier[claimDraft].value 1..1
* status MS
* status = #draft
* type MS
* type from VialwiseClaimType (required)
* type obeys vw-claim-3
* use MS
* use = #claim
* patient MS
* patient only Reference(Patient)
* created MS
* provider MS
* provider only Reference(Organization)
* provider ^short = "Encounter.serviceProvider, else BILLING_PROVIDER"
* priority MS
* priority = $PROCESS_PRIORITY#normal
* billablePeriod MS
* billablePeriod ^short = "The Encounter's period as dates (statement covers period)"
* insurer MS
* insurer only Reference(Organization)
* insurer ^short = "The Coverage's payor"
* careTeam MS
* careTeam.provider only Reference(Practitioner or PractitionerRole or Organization)
* careTeam.role 1..1 MS
* careTeam.role from VialwiseCareTeamRoles (required)
* facility MS
* facility only Reference(Location)
* supportingInfo MS
* supportingInfo ^slicing.discriminator.type = #pattern
* supportingInfo ^slicing.discriminator.path = "category"
* supportingInfo ^slicing.rules = #open
* supportingInfo ^slicing.description = "Sliced by category: the type of bill, and how the setting pays for the drugs."
* supportingInfo contains typeOfBill 0..1 MS and drugPayment 0..1 MS
* supportingInfo[typeOfBill] ^short = "NUBC type of bill (UB-04 form locator 4), institutional claims only"
* supportingInfo[typeOfBill].category = $C4BB_SUPPORTING_INFO#typeofbill
* supportingInfo[typeOfBill].code 1..1 MS
* supportingInfo[typeOfBill].code from VialwiseTypeOfBill (required)
* supportingInfo[drugPayment] ^short = "How the setting pays for the drug lines (bundled into an inpatient stay, all-inclusive rate)"
* supportingInfo[drugPayment].category = $CLAIM_INFO_CATEGORY#info
* supportingInfo[drugPayment].code 1..1 MS
* supportingInfo[drugPayment].code from DrugPaymentValues (required)
* insurance 1..* MS
* insurance.sequence MS
* insurance.focal MS
* insurance.coverage MS
* diagnosis MS
* diagnosis.diagnosis[x] only CodeableConcept
* diagnosis.diagnosisCodeableConcept obeys vw-claim-4
* item MS
* item obeys vw-claim-5 and vw-claim-9 and vw-claim-10 and vw-claim-16
* item.extension contains SourceAdministration named sourceAdministration 1..* MS
// Constraining the slice's url makes SUSHI expand the slice so validators count it (FHIR-NOTES).
* item.extension[sourceAdministration].url 1..1
* item.revenue MS
* item.revenue from VialwiseRevenueCodes (required)
* item.revenue ^short = "NUBC revenue code (0636), institutional claims only"
* item.productOrService MS
* item.productOrService obeys vw-claim-6
* item.productOrService ^short = "HCPCS Level II drug code"
* item.modifier 0..2 MS
* item.modifier from VialwiseDrugWasteModifiers (required)
* item.modifier obeys vw-claim-7
* item.modifier ^short = "JW (discarded units, on its own line) or JZ (no waste); JG or TB on a 340B facility's separately payable line"
* item.quantity 1..1 MS
* item.quantity.value 1..1
* item.quantity ^short = "HCPCS billing units"
* item.serviced[x] 1..1 MS
* item.serviced[x] only date
* item.serviced[x] ^short = "Date of service: calendar date of the administration's start as written"
* item.location[x] 1..1 MS
* item.location[x] only CodeableConcept
* item.location[x] obeys vw-claim-8
* item.location[x] ^short = "CMS place of service"
* item.encounter 1..1 MS
* item.diagnosisSequence MS
* item.unitPrice MS
* item.unitPrice.currency = #USD
* item.net MS
* item.net.currency = #USD
* item.detail MS
* item.detail ^short = "The NDC billed for the line (absent when the product is known only by RxNorm: ndc-missing)"
// @medplum/core 5 does not validate elements of item.detail (a backbone inside a backbone) against
// the profile, so vw-claim-9 and vw-claim-10 restate the detail rules on item, where it does.
* item.detail.quantity 1..1 MS
* item.detail.quantity ^short = "NDC quantity with its unit qualifier (not the HCPCS units)"
* item.detail.quantity.value 1..1
* item.detail.quantity.system 1..1
* item.detail.quantity.system = "https://vialwise.dev/fhir/CodeSystem/ndc-unit-qualifier"
* item.detail.quantity.code 1..1
* item.detail.quantity.code from NdcUnitQualifiers (required)

Invariant: vw-claim-1
Description: "The draft identifier is Encounter/<id>."
Expression: "identifier.where(system = 'https://vialwise.dev/fhir/sid/claim-draft').all(value.matches('^Encounter/[-A-Za-z0-9.]{1,64}$'))"
Severity: #error

Invariant: vw-claim-11
Description: "Only an institutional claim carries a type of bill."
Expression: "supportingInfo.where(category.coding.where(system = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType' and code = 'typeofbill').exists()).exists() implies type.coding.where(system = 'http://terminology.hl7.org/CodeSystem/claim-type' and code = 'institutional').exists()"
Severity: #error

Invariant: vw-claim-12
Description: "Only the lines of an institutional claim carry a revenue code."
Expression: "item.revenue.exists() implies type.coding.where(system = 'http://terminology.hl7.org/CodeSystem/claim-type' and code = 'institutional').exists()"
Severity: #error

Invariant: vw-claim-2
Description: "Exactly one insurance is focal (the primary Coverage)."
Expression: "insurance.where(focal = true).count() = 1"
Severity: #error

Invariant: vw-claim-3
Description: "Claim type is institutional or professional (http://terminology.hl7.org/CodeSystem/claim-type)."
Expression: "coding.where(system = 'http://terminology.hl7.org/CodeSystem/claim-type' and (code = 'institutional' or code = 'professional')).exists()"
Severity: #error

Invariant: vw-claim-4
Description: "Diagnoses are coded in ICD-10-CM."
Expression: "coding.where(system = 'http://hl7.org/fhir/sid/icd-10-cm' and code.exists()).exists()"
Severity: #error

Invariant: vw-claim-5
Description: "Units are a positive whole number."
Expression: "quantity.value >= 1 and quantity.value.floor() = quantity.value"
Severity: #error

Invariant: vw-claim-6
Description: "The product or service is a HCPCS Level II code (http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets)."
Expression: "coding.where(system = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets' and code.matches('^[A-Z][0-9]{4}$')).exists()"
Severity: #error

Invariant: vw-claim-7
Description: "The modifier is HCPCS JW, JZ, JG or TB."
Expression: "coding.where(system = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets' and (code = 'JW' or code = 'JZ' or code = 'JG' or code = 'TB')).exists()"
Severity: #error

Invariant: vw-claim-16
Description: "A line carries at most one of JW and JZ, and at most one of JG and TB."
Expression: "modifier.coding.where(code = 'JW' or code = 'JZ').count() <= 1 and modifier.coding.where(code = 'JG' or code = 'TB').count() <= 1"
Severity: #error

Invariant: vw-claim-8
Description: "The location is a CMS place of service code (two digits)."
Expression: "coding.where(system = 'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set' and code.matches('^[0-9]{2}$')).exists()"
Severity: #error

Invariant: vw-claim-9
Description: "Each NDC detail bills an 11-digit NDC (5-4-2, no hyphens)."
Expression: "detail.all(productOrService.coding.where(system = 'http://hl7.org/fhir/sid/ndc' and code.matches('^[0-9]{11}$')).exists())"
Severity: #error

Invariant: vw-claim-10
Description: "Each NDC detail has a positive NDC quantity with its unit qualifier (UN, ML, GR, F2 or ME)."
Expression: "detail.all(quantity.value > 0 and quantity.system = 'https://vialwise.dev/fhir/CodeSystem/ndc-unit-qualifier' and quantity.code.exists() and (quantity.code = 'UN' or quantity.code = 'ML' or quantity.code = 'GR' or quantity.code = 'F2' or quantity.code = 'ME'))"
Severity: #error

ValueSet: VialwiseClaimType
Id: vialwise-claim-type
Title: "vialwise claim types"
Description: "By the billing facility's setting: institutional for a hospital (outpatient or inpatient), critical access hospital, rural health clinic or federally qualified health center; professional for a physician office or ASC."
* ^experimental = false
* $CLAIM_TYPE#institutional
* $CLAIM_TYPE#professional

ValueSet: VialwiseDrugWasteModifiers
Id: drug-waste-modifiers
Title: "Drug waste modifiers"
Description: "HCPCS modifiers of a drug line: JW (amount discarded) and JZ (zero discarded) for single-dose container drugs; JG and TB for drugs acquired through the 340B program."
* ^experimental = false
* $HCPCS#JW "Drug amount discarded/not administered to any patient"
* $HCPCS#JZ "Zero drug amount discarded/not administered to any patient"
* $HCPCS#JG "Drug or biological acquired with 340b drug pricing program discount, reported for informational purposes"
* $HCPCS#TB "Drug or biological acquired with 340b drug pricing program discount, reported for informational purposes"

CodeSystem: NdcUnitQualifierCodes
Id: ndc-unit-qualifier
Title: "NDC unit qualifiers"
Description: "Unit qualifiers of the NDC quantity on a drug line (837P/837I loop 2410 CTP05-01; CMS-1500 box 24A). No canonical FHIR URI exists for this X12 code list, so vialwise publishes the five codes it uses."
* ^caseSensitive = true
* ^experimental = false
* #UN "Unit" "Unit (each)."
* #ML "Milliliter" "Milliliter."
* #GR "Gram" "Gram."
* #F2 "International unit" "International unit."
* #ME "Milligram" "Milligram (several Medicaid programs reject ME)."

ValueSet: NdcUnitQualifiers
Id: ndc-unit-qualifier
Title: "NDC unit qualifiers"
Description: "All codes of the ndc-unit-qualifier CodeSystem."
* ^experimental = false
* include codes from system NdcUnitQualifierCodes
