// The draft Claim by billing setting (docs/claim-mapping.md). A hospital, CAH, RHC or FQHC bills
// on the institutional claim (837I / UB-04): a type of bill and a revenue code on every line. A
// physician office bills on the professional claim (837P / CMS-1500): a place of service on every
// line, no type of bill, no revenue code. Claims Processing Manual ch.17 section 70: a drug with a
// HCPCS code on a hospital claim is billed under revenue code 0636.

Profile: VialwiseInstitutionalClaimDraft
Parent: VialwiseClaimDraft
Id: vialwise-institutional-claim-draft
Title: "vialwise institutional Claim draft"
Description: "A draft Claim of a hospital (outpatient or inpatient), critical access hospital, rural health clinic or federally qualified health center, to become an 837I: type institutional, the NUBC type of bill, the statement period, the payer, and revenue code 0636 on every drug line. An inpatient draft says the drugs are bundled into the stay; an RHC or FQHC draft that they are paid in the all-inclusive rate."
* obeys vw-claim-13 and vw-claim-14 and vw-claim-15
* type = $CLAIM_TYPE#institutional
* billablePeriod 1..1
* billablePeriod.start 1..1
* billablePeriod.end 1..1
* insurer 1..1
* supportingInfo[typeOfBill] 1..1
* item.revenue 1..1

Profile: VialwiseProfessionalClaimDraft
Parent: VialwiseClaimDraft
Id: vialwise-professional-claim-draft
Title: "vialwise professional Claim draft"
Description: "A draft Claim of a physician office, to become an 837P: type professional, the payer, and per line the CMS place of service (11 for an office); no type of bill and no revenue code."
* type = $CLAIM_TYPE#professional
* insurer 1..1
* supportingInfo[typeOfBill] 0..0
* item.revenue 0..0

Invariant: vw-claim-13
Description: "An institutional claim has one NUBC type of bill: a leading 0, the facility type, the bill classification and the frequency (e.g. 0131)."
Expression: "supportingInfo.where(category.coding.where(system = 'http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType' and code = 'typeofbill').exists()).code.coding.where(system = 'https://www.nubc.org/CodeSystem/TypeOfBill' and code.matches('^0[0-9]{2}[0-9A-Z]$')).count() = 1"
Severity: #error

Invariant: vw-claim-14
Description: "Every line of an institutional claim has a NUBC revenue code (four digits)."
Expression: "item.all(revenue.coding.where(system = 'https://www.nubc.org/CodeSystem/RevenueCodes' and code.matches('^[0-9]{4}$')).exists())"
Severity: #error

Invariant: vw-claim-15
Description: "An inpatient claim (type of bill 011x) says the drugs are bundled into the stay; an RHC or FQHC claim (071x, 077x) that they are paid in the all-inclusive rate."
Expression: "(supportingInfo.code.coding.where(system = 'https://www.nubc.org/CodeSystem/TypeOfBill' and code.startsWith('011')).exists() implies supportingInfo.code.coding.where(system = 'https://vialwise.dev/fhir/CodeSystem/drug-payment' and code = 'bundled-inpatient-stay').exists()) and (supportingInfo.code.coding.where(system = 'https://www.nubc.org/CodeSystem/TypeOfBill' and (code.startsWith('071') or code.startsWith('077'))).exists() implies supportingInfo.code.coding.where(system = 'https://vialwise.dev/fhir/CodeSystem/drug-payment' and code = 'all-inclusive-rate').exists())"
Severity: #error

ValueSet: VialwiseTypeOfBill
Id: vialwise-type-of-bill
Title: "vialwise types of bill"
Description: "The NUBC types of bill vialwise writes on an original claim (frequency 1, admit through discharge): hospital inpatient, hospital outpatient, rural health clinic, federally qualified health center, critical access hospital outpatient. Facility and classification per the Medicare Claims Processing Manual (ch.3 inpatient 11x, ch.4 outpatient 13x and CAH 85x, ch.9 RHC 71x and FQHC 77x)."
* ^experimental = false
* $NUBC_TOB#0111 "Hospital inpatient (Part A), admit through discharge claim"
* $NUBC_TOB#0131 "Hospital outpatient, admit through discharge claim"
* $NUBC_TOB#0711 "Rural health clinic, admit through discharge claim"
* $NUBC_TOB#0771 "Federally qualified health center, admit through discharge claim"
* $NUBC_TOB#0851 "Critical access hospital (outpatient), admit through discharge claim"

ValueSet: VialwiseRevenueCodes
Id: vialwise-revenue-code
Title: "vialwise revenue codes"
Description: "The NUBC revenue code of a drug line: 0636, drugs requiring detailed coding (Claims Processing Manual ch.17 section 70: a drug with a HCPCS code on a hospital claim is billed under 0636 unless specific instructions say otherwise)."
* ^experimental = false
* $NUBC_REVENUE#0636 "Pharmacy - drugs requiring detailed coding"

ValueSet: VialwiseCareTeamRoles
Id: vialwise-care-team-role
Title: "vialwise care team roles"
Description: "Roles of the practitioners on a draft Claim (CARIN Blue Button care team roles): performing (the administration's performer), prescribing (who ordered the drug), attending and referring."
* ^experimental = false
* $C4BB_CARE_TEAM_ROLE#performing "Performing provider"
* $C4BB_CARE_TEAM_ROLE#prescribing "Prescribing provider"
* $C4BB_CARE_TEAM_ROLE#attending "Attending"
* $C4BB_CARE_TEAM_ROLE#referring "Referring"
