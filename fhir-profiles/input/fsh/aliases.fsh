// Code systems and canonical bases used across the vialwise FSH (FHIR-NOTES "Code systems").
Alias: $HCPCS = http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets
Alias: $NDC = http://hl7.org/fhir/sid/ndc
Alias: $RXNORM = http://www.nlm.nih.gov/research/umls/rxnorm
Alias: $ICD10CM = http://hl7.org/fhir/sid/icd-10-cm
Alias: $POS = https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set
Alias: $CLAIM_TYPE = http://terminology.hl7.org/CodeSystem/claim-type
Alias: $PROCESS_PRIORITY = http://terminology.hl7.org/CodeSystem/processpriority
Alias: $UCUM = http://unitsofmeasure.org
Alias: $CLAIM_DRAFT_SID = https://vialwise.dev/fhir/sid/claim-draft
Alias: $GAP_SID = https://vialwise.dev/fhir/sid/documentation-gap
Alias: $DEVICE_SID = https://vialwise.dev/fhir/sid/device
// NUBC UB-04 code systems as named by HL7 Terminology (THO AHANUBCTypeOfBill, AHANUBCRevenueCodes).
Alias: $NUBC_TOB = https://www.nubc.org/CodeSystem/TypeOfBill
Alias: $NUBC_REVENUE = https://www.nubc.org/CodeSystem/RevenueCodes
// CARIN Blue Button supporting-info categories and care team roles (also used by Da Vinci claim profiles).
Alias: $C4BB_SUPPORTING_INFO = http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBSupportingInfoType
Alias: $C4BB_CARE_TEAM_ROLE = http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBClaimCareTeamRole
Alias: $CLAIM_INFO_CATEGORY = http://terminology.hl7.org/CodeSystem/claiminformationcategory
Alias: $PRICE_BASIS = https://vialwise.dev/fhir/CodeSystem/price-basis
Alias: $DRUG_PAYMENT = https://vialwise.dev/fhir/CodeSystem/drug-payment
