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
