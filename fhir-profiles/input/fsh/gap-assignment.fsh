// Who works a documentation gap: one Task per vialwise DetectedIssue, written by the web UI when
// someone assigns or unassigns the gap (docs/ui.md, "Assignment"). The engine never writes it, so
// re-evaluations do not compete with assignments for the DetectedIssue's version.

Alias: $GAP_TASK_SID = https://vialwise.dev/fhir/sid/gap-assignment

Profile: VialwiseGapAssignment
Parent: Task
Id: vialwise-gap-assignment
Title: "vialwise gap assignment"
Description: "The person a documentation gap is assigned to: one Task per vialwise DetectedIssue (the focus), the person as owner, the gap's work queue as performer type. Created once (conditional create on the identifier), then updated with If-Match."
* obeys vw-assign-1
* identifier 1..* MS
* identifier ^slicing.discriminator.type = #value
* identifier ^slicing.discriminator.path = "system"
* identifier ^slicing.rules = #open
* identifier ^slicing.description = "Sliced by system: the gap assignment identifier is the key of the conditional create."
* identifier contains gapAssignment 1..1 MS
* identifier[gapAssignment] ^short = "The id of the DetectedIssue assigned"
* identifier[gapAssignment].system 1..1
* identifier[gapAssignment].system = $GAP_TASK_SID
* identifier[gapAssignment].value 1..1
* status MS
* status ^short = "ready while assigned to someone | requested when nobody is"
* intent = #order
* code 1..1 MS
* code = GapTaskCodes#work-gap
* description MS
* description ^short = "The gap's name, for inboxes that show Tasks"
* focus 1..1 MS
* focus only Reference(DetectedIssue)
* for MS
* for only Reference(Patient)
* encounter MS
* authoredOn 1..1 MS
* lastModified 1..1 MS
* lastModified ^short = "When the owner was last set"
* performerType 1..1 MS
* performerType from GapQueues (required)
* performerType ^short = "The work queue of the gap's code"
* owner MS
* owner only Reference(Practitioner)
* owner ^short = "A Practitioner, or a name typed in the web UI (a display-only reference)"

Invariant: vw-assign-1
Description: "An assigned gap (ready) has an owner; an unassigned one (requested) has none."
Expression: "(status = 'ready' and owner.exists()) or (status = 'requested' and owner.empty())"
Severity: #error

CodeSystem: GapTaskCodes
Id: gap-task
Title: "vialwise gap tasks"
Description: "What a vialwise Task asks for."
* ^url = "https://vialwise.dev/fhir/CodeSystem/gap-task"
* ^caseSensitive = true
* ^experimental = false
* #work-gap "Work a documentation gap" "Fix, or see to the fixing of, what the DetectedIssue in focus asks to document or correct."

CodeSystem: GapQueueCodes
Id: gap-queue
Title: "Documentation gap work queues"
Description: "Who works a documentation gap: each code of the documentation-gap CodeSystem belongs to one queue (src/domain/gaps.ts)."
* ^url = "https://vialwise.dev/fhir/CodeSystem/gap-queue"
* ^caseSensitive = true
* ^experimental = false
* #clinical-documentation "Clinical documentation" "Nurses and clinicians: dose, route, time, diagnosis, waste, drug and NDC as charted."
* #charge-correction "Charge correction" "Charge reviewers: posted codes, units and JW/JZ modifiers, MUE, submitted claims."
* #registration-coverage "Registration and coverage" "Registration and authorization staff: coverage, payer, prior authorization."

ValueSet: GapQueues
Id: gap-queue
Title: "Documentation gap work queues"
Description: "All codes of the gap-queue CodeSystem."
* ^url = "https://vialwise.dev/fhir/ValueSet/gap-queue"
* ^experimental = false
* include codes from system GapQueueCodes
