// What vialwise needs from the FHIR server it works against (SPEC sections 3, 6 and 7).
// `date` is pinned: the build must be byte-reproducible. Change it when the statement changes.

Instance: vialwise
InstanceOf: CapabilityStatement
Usage: #definition
Title: "vialwise FHIR server requirements"
Description: "The interactions vialwise performs as a client: the searches that gather an Encounter's documentation, the transaction that writes the draft Claim and the DetectedIssues with conditional creates, and the rest-hook Subscriptions that trigger it."
* url = "https://vialwise.dev/fhir/CapabilityStatement/vialwise"
* version = "0.1.0"
* name = "VialwiseRequirements"
* title = "vialwise FHIR server requirements"
* status = #draft
* experimental = false
* date = "2026-12-02"
* publisher = "vialwise"
* description = "The interactions vialwise performs as a client: the searches that gather an Encounter's documentation, the transaction that writes the draft Claim and the DetectedIssues with conditional creates, and the rest-hook Subscriptions that trigger it."
* kind = #requirements
* fhirVersion = #4.0.1
* format[+] = #json
* rest[+].mode = #client
* rest[=].documentation = "The unit of work is the Encounter: any change to one of its resources re-evaluates the whole Encounter. vialwise reads an Encounter's resources in one batch and writes all that changed in one transaction; re-evaluating an unchanged Encounter writes nothing. Creates are conditional on the vialwise identifier (If-None-Exist) and updates carry If-Match, retried on 412, so replays and concurrent replicas leave one Claim and one DetectedIssue per gap. Notifications arrive at PUBLIC_URL/notify: a full resource (Medplum, HAPI FHIR with payload), an R4B Subscriptions Backport notification Bundle, or an empty body (which runs the catch-up sweep)."
* rest[=].interaction[+].code = #batch
* rest[=].interaction[=].documentation = "One batch per evaluation gathers the Encounter's documentation."
* rest[=].interaction[+].code = #transaction
* rest[=].interaction[=].documentation = "One transaction per evaluation writes the Claim and DetectedIssues that changed."

// What it reads and subscribes to.
* rest[=].resource[+].type = #MedicationAdministration
* rest[=].resource[=].supportedProfile = Canonical(VialwiseMedicationAdministration)
* rest[=].resource[=].documentation = "Subscribed (rest-hook). Read by encounter; the catch-up sweep searches by _lastUpdated."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchInclude = "MedicationAdministration:medication"
* rest[=].resource[=].searchParam[+].name = "context"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[+].name = "_lastUpdated"
* rest[=].resource[=].searchParam[=].type = #date

* rest[=].resource[+].type = #Medication
* rest[=].resource[=].supportedProfile = Canonical(VialwiseMedication)
* rest[=].resource[=].documentation = "Referenced from MedicationAdministration.medicationReference (or contained)."
* rest[=].resource[=].interaction[+].code = #read

* rest[=].resource[+].type = #MedicationRequest
* rest[=].resource[=].documentation = "Read by encounter, in the same batch, for the ordering practitioner (requester) of each administration's request: the Claim's prescribing care team member."
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchParam[+].name = "encounter"
* rest[=].resource[=].searchParam[=].type = #reference

* rest[=].resource[+].type = #Encounter
* rest[=].resource[=].documentation = "Subscribed (rest-hook). class (v3 ActCode), period, serviceProvider, subject, diagnosis."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchParam[+].name = "_id"
* rest[=].resource[=].searchParam[=].type = #token
* rest[=].resource[=].searchParam[+].name = "_lastUpdated"
* rest[=].resource[=].searchParam[=].type = #date

* rest[=].resource[+].type = #Condition
* rest[=].resource[=].documentation = "Subscribed (rest-hook). ICD-10-CM diagnoses of the encounter or linked from the administrations."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchParam[+].name = "encounter"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[+].name = "_lastUpdated"
* rest[=].resource[=].searchParam[=].type = #date

* rest[=].resource[+].type = #Coverage
* rest[=].resource[=].documentation = "Subscribed (rest-hook). The active Coverage for the patient on the date of service; payer category from type (https://nahdo.org/sopt)."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchParam[+].name = "patient"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[+].name = "beneficiary"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[=].documentation = "The web UI reads the Coverages of the worklist's patients (beneficiary=Patient/a,Patient/b) with _include=Coverage:payor for the payer's name."
* rest[=].resource[=].searchParam[+].name = "status"
* rest[=].resource[=].searchParam[=].type = #token
* rest[=].resource[=].searchParam[+].name = "_lastUpdated"
* rest[=].resource[=].searchParam[=].type = #date

* rest[=].resource[+].type = #ChargeItem
* rest[=].resource[=].documentation = "Subscribed (rest-hook). Charges already posted for the encounter, compared with the derived lines."
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchParam[+].name = "context"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[+].name = "_lastUpdated"
* rest[=].resource[=].searchParam[=].type = #date

* rest[=].resource[+].type = #ClaimResponse
* rest[=].resource[=].documentation = "Prior authorization evidence (use = preauthorization)."
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchParam[+].name = "patient"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[+].name = "use"
* rest[=].resource[=].searchParam[=].type = #token

* rest[=].resource[+].type = #Observation
* rest[=].resource[=].documentation = "Body weight (LOINC 29463-7), latest on or before the administration, for weight-based rates."
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].searchParam[+].name = "patient"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[+].name = "code"
* rest[=].resource[=].searchParam[=].type = #token
* rest[=].resource[=].searchParam[+].name = "date"
* rest[=].resource[=].searchParam[=].type = #date

// What it writes.
* rest[=].resource[+].type = #Claim
* rest[=].resource[=].supportedProfile[+] = Canonical(VialwiseClaimDraft)
* rest[=].resource[=].supportedProfile[+] = Canonical(VialwiseInstitutionalClaimDraft)
* rest[=].resource[=].supportedProfile[+] = Canonical(VialwiseProfessionalClaimDraft)
* rest[=].resource[=].documentation = "One draft per Encounter and primary Coverage, written in the transaction: conditional create on identifier (https://vialwise.dev/fhir/sid/claim-draft|Encounter/<id>), update with If-Match. A Claim that has left draft is never modified. Every draft conforms to VialwiseClaimDraft, and by the billing facility's setting to VialwiseInstitutionalClaimDraft (hospital outpatient and inpatient, CAH, RHC, FQHC) or VialwiseProfessionalClaimDraft (physician office, ASC); meta.tag (https://vialwise.dev/fhir/CodeSystem/price-basis) says whether the charges are the hospital's or an estimate."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[=].versioning = #versioned-update
* rest[=].resource[=].conditionalCreate = true
* rest[=].resource[=].searchParam[+].name = "identifier"
* rest[=].resource[=].searchParam[=].type = #token

* rest[=].resource[+].type = #DetectedIssue
* rest[=].resource[=].supportedProfile = Canonical(VialwiseDocumentationGap)
* rest[=].resource[=].documentation = "One per documentation gap, written in the transaction: conditional create on identifier (https://vialwise.dev/fhir/sid/documentation-gap|<Encounter id>:<gap code>:<key>), update with If-Match (final when resolved, entered-in-error when the source was)."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[=].versioning = #versioned-update
* rest[=].resource[=].conditionalCreate = true
* rest[=].resource[=].searchParam[+].name = "identifier"
* rest[=].resource[=].searchParam[=].type = #token
* rest[=].resource[=].searchParam[+].name = "patient"
* rest[=].resource[=].searchParam[=].type = #reference
* rest[=].resource[=].searchParam[+].name = "code"
* rest[=].resource[=].searchParam[=].type = #token
* rest[=].resource[=].searchParam[=].documentation = "The web UI finds vialwise's gaps by their code system (code=https://vialwise.dev/fhir/CodeSystem/documentation-gap|) with status and, for the dashboard, _lastUpdated."
* rest[=].resource[=].searchParam[+].name = "status"
* rest[=].resource[=].searchParam[=].type = #token
* rest[=].resource[=].searchParam[+].name = "_lastUpdated"
* rest[=].resource[=].searchParam[=].type = #date

* rest[=].resource[+].type = #Task
* rest[=].resource[=].supportedProfile = Canonical(VialwiseGapAssignment)
* rest[=].resource[=].documentation = "Written by the web UI only: one Task per documentation gap assigned to someone, conditional create on identifier (https://vialwise.dev/fhir/sid/gap-assignment|<DetectedIssue id>), then update with If-Match; read back by focus."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[=].versioning = #versioned-update
* rest[=].resource[=].conditionalCreate = true
* rest[=].resource[=].searchParam[+].name = "identifier"
* rest[=].resource[=].searchParam[=].type = #token
* rest[=].resource[=].searchParam[+].name = "focus"
* rest[=].resource[=].searchParam[=].type = #reference

* rest[=].resource[+].type = #Patient
* rest[=].resource[=].documentation = "Read by the web UI (in batches) for the patient's name and medical record number."
* rest[=].resource[=].interaction[+].code = #read

* rest[=].resource[+].type = #Practitioner
* rest[=].resource[=].documentation = "Offered by the web UI's acknowledge and assign forms; a Practitioner named there is read to check it exists."
* rest[=].resource[=].interaction[+].code = #read
* rest[=].resource[=].interaction[+].code = #search-type

* rest[=].resource[+].type = #Device
* rest[=].resource[=].documentation = "The vialwise Device, author of every DetectedIssue: conditional create on identifier https://vialwise.dev/fhir/sid/device|vialwise."
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].conditionalCreate = true
* rest[=].resource[=].searchParam[+].name = "identifier"
* rest[=].resource[=].searchParam[=].type = #token

// How it is triggered.
* rest[=].resource[+].type = #Subscription
* rest[=].resource[=].documentation = "At start vialwise creates, idempotently, one rest-hook Subscription per criteria MedicationAdministration, Encounter, Condition, Coverage and ChargeItem, with channel.endpoint PUBLIC_URL/notify, payload application/fhir+json and the Medplum secret extension (https://www.medplum.com/fhir/StructureDefinition/subscription-secret) set to WEBHOOK_SECRET. The server POSTs the full resource with X-Signature = hex HMAC-SHA256 of the body, or sends Authorization: Bearer WEBHOOK_SECRET."
* rest[=].resource[=].interaction[+].code = #search-type
* rest[=].resource[=].interaction[+].code = #create
* rest[=].resource[=].interaction[+].code = #update
* rest[=].resource[=].searchParam[+].name = "url"
* rest[=].resource[=].searchParam[=].type = #uri
* rest[=].resource[=].searchParam[+].name = "criteria"
* rest[=].resource[=].searchParam[=].type = #string
