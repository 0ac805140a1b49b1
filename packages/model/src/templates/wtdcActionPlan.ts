import type { BracketReason, TextRun } from "../clauseText.ts";
import type { Source } from "../source.ts";
import type { SessionTemplate } from "../template.ts";

/*
 * A fictional negotiation text that follows the structure of the WTDC-22 Action Plan base
 * document (glossary, introduction, structure, implementation of the Thematic Priorities,
 * Regional Initiatives, Study Group Questions, Resolutions and Recommendations). The wording
 * is invented for demonstration and is not negotiated ITU text. Proposers are regional
 * groups only.
 *
 * It starts mid-negotiation, as the base document did: footnotes cite where text came from,
 * one clause is agreed and locked, one is agreed ad referendum, some brackets are
 * alternatives, and Cybersecurity as a fourth Thematic Priority stands in a section of its
 * own, entirely in brackets. Agreed clauses carry no brackets (SPEC CS3).
 */

export const WTDC_SOURCES: readonly Source[] = [
  { id: "sp-2024-2027", title: "Draft ITU Strategic Plan for 2024-2027" },
  {
    id: "tdag-wg-rdtp",
    title: "TDAG Working Group on Resolutions, Declarations and Thematic Priorities (TDAG-WG-RDTP)",
  },
  { id: "tdag-wg-sop", title: "TDAG Working Group on Strategic and Operational Plans (TDAG-WG-SOP)" },
  { id: "cwg-sfp", title: "Council Working Group on the Strategic and Financial Plans 2024-2027 (CWG-SFP)" },
  { id: "ms-contributions", title: "Contributions of Member States to the Conference" },
];

/** Plain, unbracketed text. */
function t(text: string): TextRun {
  return { text };
}

/** A bold heading run. */
function h(text: string): TextRun {
  return { text, bold: true };
}

/** Bracketed text; the renderer draws the square brackets. Alternatives share a group. */
function b(id: string, by: readonly string[], reason: BracketReason, text: string, group?: string): TextRun {
  return { text, bracket: group ? { id, by, reason, group } : { id, by, reason } };
}

/** The run with a footnote reference after it, citing a source of WTDC_SOURCES. */
function fn(run: TextRun, id: string, source: string, note: string): TextRun {
  return { ...run, footnote: { id, source, note } };
}

export const wtdcActionPlan: SessionTemplate = {
  id: "wtdc-action-plan",
  title: "WTDC Action Plan (2024-2027)",
  sources: WTDC_SOURCES,
  sections: [
    {
      id: "glossary",
      title: "Glossary of terms",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              fn(t("Outcome"), "fn-gloss-1", "sp-2024-2027", "Definition aligned with the draft ITU Strategic Plan."),
              t(
                ": a measurable change in the conditions of Member States, Sector Members and other stakeholders to which the activities of the Sector contribute over the planning period.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t(
                "Output: a concrete product or service delivered by the Bureau, such as a report, a training course or a technical assistance mission, that contributes to one or more Outcomes.",
              ),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              t(
                "Thematic Priority: an area of work, common to all Sectors under the Strategic Plan, around which Outcomes are grouped and ",
              ),
              b("b-gloss-3-1", ["CEPT"], "editorial", "against which progress is reported"),
              t("."),
            ],
          ],
        },
        {
          id: "c4",
          paragraphs: [
            [
              t(
                "Enabler: a cross-cutting capability, such as partnerships, resource mobilization or internal efficiency, that allows the Sector to deliver its products and services under all Thematic Priorities.",
              ),
            ],
          ],
        },
      ],
    },
    {
      id: "introduction",
      title: "Introduction",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              t(
                "This Action Plan sets out the contribution of the Development Sector to the Strategic Plan of the Union for the period 2024-2027, expressed as Outcomes under the common Thematic Priorities.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t("It builds on "),
              fn(
                t("the work of the advisory group during the preparatory period"),
                "fn-intro-2",
                "tdag-wg-sop",
                "Structure and approach as discussed in TDAG-WG-SOP.",
              ),
              t(
                " and follows a results-based management approach, so that each Output can be traced to the Outcome it supports.",
              ),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              t(
                "Once agreed, the Action Plan will be transmitted to the Plenipotentiary Conference as the contribution of the Sector to the Strategic Plan, ",
              ),
              b(
                "b-intro-3-1",
                ["ARB", "RCC"],
                "substantive",
                "together with an indicative estimate of the resources required for its implementation",
              ),
              t("."),
            ],
          ],
        },
      ],
    },
    {
      id: "structure-thematic-priorities",
      title: "Structure of the WTDC Action Plan: Thematic Priorities",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              t("The "),
              fn(
                t("Thematic Priorities"),
                "fn-stp-1",
                "cwg-sfp",
                "As integrated into the Strategic Framework common to all Sectors.",
              ),
              t(
                " to which the Sector contributes are: (1) Infrastructure and services; (2) Applications; (3) Enabling environment",
              ),
              fn(
                b("b-stp-1-1", ["AFR", "ARB"], "substantive", "; and (4) Cybersecurity"),
                "fn-stp-2",
                "tdag-wg-rdtp",
                "Cybersecurity as a further Thematic Priority was proposed in TDAG-WG-RDTP; no consensus was reached.",
              ),
              t("."),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t(
                "The Thematic Priorities are common to all Sectors; the Outcomes set out in Section 4 describe the specific changes to which the Development Sector contributes under each of them.",
              ),
            ],
          ],
        },
      ],
    },
    {
      id: "structure-products-services",
      title: "Structure of the WTDC Action Plan: Products and services",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              fn(
                t(
                  "To achieve the Outcomes, the Sector deploys a range of products and services for its Members and other stakeholders",
                ),
                "fn-sps-1",
                "sp-2024-2027",
                "Products and services as listed in the draft Strategic Plan.",
              ),
              t(
                ", including studies, capacity-building programmes, project implementation, data and statistics, and platforms for dialogue.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t("The operational plan of the Bureau will describe how each product and service is deployed, "),
              b("b-sps-2-1", ["APT"], "placeholder", "with reference to the indicators in Annex X"),
              t("."),
            ],
          ],
        },
      ],
    },
    {
      id: "structure-enablers",
      title: "Structure of the WTDC Action Plan: Enablers",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              t(
                "The Enablers of the Action Plan are resource mobilization and international cooperation, partnerships with other organizations, and the efficient management of the Bureau and its regional presence.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t(
                "Enablers do not carry Outcomes of their own; progress on them is reported as part of the overall performance of the Sector.",
              ),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              t("Regional offices "),
              b("b-sen-3-1", ["AFR", "APT"], "alternative", "shall", "g-sen-3"),
              b("b-sen-3-2", ["CEPT", "CITEL"], "alternative", "should", "g-sen-3"),
              t(" be given the means to coordinate the delivery of products and services with regional organizations."),
            ],
          ],
        },
      ],
    },
    {
      id: "structure-linkages",
      title: "Structure of the WTDC Action Plan: Linkages",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              t(
                "Each Outcome is linked to the Sustainable Development Goals and to the relevant Action Lines of the World Summit on the Information Society, so that the contribution of the Sector can be read against these frameworks.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t(
                "Regional Initiatives, Study Group Questions and Resolutions are mapped to the Outcomes they support, and a single Output may contribute to more than one Outcome.",
              ),
            ],
          ],
        },
      ],
    },
    {
      id: "implementation",
      title: "Implementation of the Thematic Priorities",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [h("Thematic Priority 1: Infrastructure and services")],
            [
              t("Enhanced capacity of Member States to plan, deploy and maintain resilient broadband networks, "),
              b(
                "b-impl-1-1",
                ["AFR", "APT"],
                "substantive",
                "with particular attention to rural, remote and underserved areas",
              ),
              t("."),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t("Enhanced capacity of Member States to use "),
              fn(
                t("spectrum management tools and satellite services"),
                "fn-impl-2",
                "tdag-wg-rdtp",
                "Outcome text as drafted by TDAG in November 2021.",
              ),
              t(" for affordable connectivity, in coordination with the other Sectors."),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              t("Improved availability of emergency telecommunications and early-warning systems, "),
              b(
                "b-impl-3-1",
                ["CITEL"],
                "awaiting_instructions",
                "including dedicated funding from voluntary contributions",
              ),
              t("."),
            ],
          ],
        },
        {
          id: "c4",
          paragraphs: [
            [h("Thematic Priority 2: Applications")],
            [
              t(
                "Enhanced capacity of Member States to develop and adopt digital applications and services in areas such as health, education, agriculture and government.",
              ),
            ],
          ],
        },
        {
          id: "c5",
          paragraphs: [
            [
              t("Enhanced digital skills of individuals and institutions, "),
              b(
                "b-impl-5-1",
                ["RCC", "ARB"],
                "substantive",
                "including through a global digital skills platform managed by the Bureau",
              ),
              t(", with a focus on women, youth and persons with disabilities."),
            ],
          ],
        },
        {
          id: "c6",
          paragraphs: [
            [h("Thematic Priority 3: Enabling environment")],
            [
              t("Enhanced capacity of Member States to develop "),
              b("b-impl-6-1", ["CEPT"], "editorial", "forward-looking"),
              t(" policy and regulatory frameworks that encourage investment and competition."),
            ],
          ],
        },
        {
          id: "c7",
          paragraphs: [
            [
              t("Improved availability of reliable telecommunication and ICT data and statistics "),
              fn(
                t("to support evidence-based policy making"),
                "fn-impl-7",
                "sp-2024-2027",
                "Wording aligned with the corresponding outcome of the draft Strategic Plan.",
              ),
              t("."),
            ],
          ],
        },
        {
          id: "c8",
          paragraphs: [
            [
              fn(
                b("b-impl-8-1", ["AFR", "ARB", "RCC"], "substantive", "Thematic Priority 4: Cybersecurity."),
                "fn-impl-8",
                "ms-contributions",
                "Proposed in contributions of Member States; see also the section on Thematic Priority 4.",
              ),
              b(
                "b-impl-8-1",
                ["AFR", "ARB", "RCC"],
                "substantive",
                " Enhanced capacity of Member States to establish national cybersecurity strategies and incident response teams, and to build trust and confidence in the use of telecommunications and ICTs.",
              ),
            ],
          ],
        },
      ],
    },
    {
      id: "thematic-priority-4",
      title: "Thematic priority 4: Cybersecurity (proposed)",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              {
                ...b("b-tp4-1-1", ["AFR", "ARB", "RCC"], "substantive", "Thematic Priority 4: Cybersecurity"),
                bold: true,
              },
            ],
            [
              b("b-tp4-1-1", ["AFR", "ARB", "RCC"], "substantive", "Enhanced capacity of Member States to "),
              fn(
                b(
                  "b-tp4-1-1",
                  ["AFR", "ARB", "RCC"],
                  "substantive",
                  "develop and implement national cybersecurity strategies",
                ),
                "fn-tp4-1",
                "tdag-wg-rdtp",
                "Proposal for Cybersecurity as a stand-alone Thematic Priority.",
              ),
              b(
                "b-tp4-1-1",
                ["AFR", "ARB", "RCC"],
                "substantive",
                ", taking into account their national priorities and circumstances.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              b(
                "b-tp4-2-1",
                ["AFR", "ARB"],
                "substantive",
                "Enhanced capacity of Member States to establish and strengthen national computer incident response teams and to cooperate on incident response at the regional level.",
              ),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              b(
                "b-tp4-3-1",
                ["ARB", "RCC"],
                "substantive",
                "Increased trust and confidence in the use of telecommunications and ICTs, ",
              ),
              fn(
                b(
                  "b-tp4-3-1",
                  ["ARB", "RCC"],
                  "substantive",
                  "including child online protection and the protection of personal data",
                ),
                "fn-tp4-3",
                "ms-contributions",
                "Element added in a contribution of Member States.",
              ),
              b("b-tp4-3-1", ["ARB", "RCC"], "substantive", ", in cooperation with relevant organizations."),
            ],
          ],
        },
        {
          id: "c4",
          paragraphs: [
            [
              b(
                "b-tp4-4-1",
                ["AFR", "RCC"],
                "substantive",
                "Enhanced international cooperation and exchange of information on cybersecurity among Member States and Sector Members, in coordination with the other Sectors.",
              ),
            ],
          ],
        },
      ],
    },
    {
      id: "regional-initiatives",
      title: "Regional Initiatives",
      clauses: [
        {
          id: "c1",
          consensus: "agreed",
          locked: { reason: null },
          paragraphs: [
            [
              t(
                "AFR: Initiatives for the Africa region address affordable broadband, digital skills for youth, and harmonized regulatory frameworks across regional economic communities.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t(
                "AMS: Initiatives for the Americas region address connectivity for small island developing states, disaster preparedness ",
              ),
              b("b-ri-2-1", ["CITEL"], "placeholder", "and a third initiative to be confirmed"),
              t("."),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              t(
                "ARB: Initiatives for the Arab region address digital transformation of public services, trust in the use of ICTs, and innovation ecosystems.",
              ),
            ],
          ],
        },
      ],
    },
    {
      id: "study-group-questions",
      title: "Study Group Questions",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              t(
                "Study Group 1 will examine the enabling environment, including policy, regulation, economics and the deployment of broadband in developing countries.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          consensus: "agreed_ad_ref",
          pending: ["ARB", "RCC"],
          paragraphs: [
            [
              t(
                "Study Group 2 will examine digital services and applications, emergency telecommunications, and the conformity and interoperability of equipment.",
              ),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              t("The number of Questions assigned to each Study Group "),
              b(
                "b-sgq-3-1",
                ["CEPT", "CITEL"],
                "substantive",
                "shall not exceed the number agreed for the previous period",
              ),
              t("."),
            ],
          ],
        },
      ],
    },
    {
      id: "resolutions-recommendations",
      title: "Resolutions and Recommendations",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              t(
                "The Resolutions adopted by the Conference are listed with the Outcomes they support, and Resolutions whose purpose has been achieved are proposed for suppression.",
              ),
            ],
          ],
        },
        {
          id: "c2",
          paragraphs: [
            [
              t(
                "Recommendations adopted by the Conference are addressed to Member States and Sector Members and do not create obligations for the Bureau beyond those set out in this Action Plan.",
              ),
            ],
          ],
        },
        {
          id: "c3",
          paragraphs: [
            [
              t("The advisory group will review the implementation of the Resolutions "),
              b("b-rr-3-1", ["APT"], "alternative", "every year", "g-rr-3"),
              b("b-rr-3-2", ["RCC"], "alternative", "every two years", "g-rr-3"),
              t(" and report to the next Conference."),
            ],
          ],
        },
      ],
    },
  ],
};
