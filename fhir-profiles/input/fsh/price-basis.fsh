// Markers on what vialwise writes: where the money comes from (meta.tag on Claim and
// DetectedIssue), and how the setting pays for the drug lines (Claim.supportingInfo). See
// docs/chargemaster.md and docs/claim-mapping.md.

CodeSystem: PriceBasisCodes
Id: price-basis
Title: "Price basis"
Description: "Where the money on a Claim or DetectedIssue comes from, as meta.tag codes, so that dashboards and downstream systems can tell the hospital's charges from estimates and from invented demo prices."
* ^caseSensitive = true
* ^experimental = false
* #chargemaster "Hospital gross charge" "The charges (Claim.item.unitPrice and net) are the hospital's gross charges from its chargemaster (CHARGEMASTER_FILE, the CMS price transparency file)."
* #payment-limit-estimate "Estimate: CMS payment limit" "At least one charge is the CMS Medicare Part B payment limit standing in for the hospital's charge, which was not available: an estimate, not what the hospital bills."
* #earlier-quarter "Payment limit of an earlier quarter" "A payment limit used on the resource (a line's estimate or the revenue at risk) is from the latest earlier quarter, because the quarter of the date of service is not loaded."
* #illustrative "Illustrative prices" "Money on the resource rests on illustrative demo prices, not CMS data or the hospital's charges."
* #suspect "Suspect payment limit" "A payment limit used on the resource is about a power of ten away from both neighbouring quarters with the same billing unit: CMS's published number, kept, but to be checked before anyone relies on the figure."

ValueSet: PriceBasisValues
Id: price-basis
Title: "Price basis"
Description: "All codes of the price-basis CodeSystem."
* ^experimental = false
* include codes from system PriceBasisCodes

CodeSystem: DrugPaymentCodes
Id: drug-payment
Title: "Drug payment in the setting"
Description: "How the billing setting pays for the drug lines of a claim, when it does not pay them line by line: the lines are still reported with their HCPCS codes and units."
* ^caseSensitive = true
* ^experimental = false
* #bundled-inpatient-stay "Bundled into the inpatient stay" "A hospital inpatient (Part A) claim: drugs are paid in the stay's DRG payment, not separately; JW and JZ do not apply."
* #all-inclusive-rate "Paid in the all-inclusive rate" "A rural health clinic or federally qualified health center claim: drugs are part of the visit's all-inclusive (or PPS) payment; JW and JZ do not apply."

ValueSet: DrugPaymentValues
Id: drug-payment
Title: "Drug payment in the setting"
Description: "All codes of the drug-payment CodeSystem."
* ^experimental = false
* include codes from system DrugPaymentCodes
