import type { BracketReason, TextRun } from "../clauseText.ts";
import type { SessionTemplate } from "../template.ts";

/*
 * A fictional negotiation text that follows the structure of the WTDC-22 Action Plan base
 * document (glossary, introduction, structure, implementation of the Thematic Priorities,
 * Regional Initiatives, Study Group Questions, Resolutions and Recommendations). The wording
 * is invented for demonstration and is not negotiated ITU text. Proposers are regional
 * groups only.
 */

/** Plain, unbracketed text. */
function t(text: string): TextRun {
  return { text };
}

/** A bold heading run. */
function h(text: string): TextRun {
  return { text, bold: true };
}

/** Bracketed text; the renderer draws the square brackets. */
function b(id: string, by: readonly string[], reason: BracketReason, text: string): TextRun {
  return { text, bracket: { id, by, reason } };
}

export const wtdcActionPlan: SessionTemplate = {
  id: "wtdc-action-plan",
  title: "WTDC Action Plan (2024-2027)",
  sections: [
    {
      id: "glossary",
      title: "Glossary of terms",
      clauses: [
        {
          id: "c1",
          paragraphs: [
            [
              t(
                "Outcome: a measurable change in the conditions of Member States, Sector Members and other stakeholders to which the activities of the Sector contribute over the planning period.",
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
              t(
                "It builds on the work of the advisory group during the preparatory period and follows a results-based management approach, so that each Output can be traced to the Outcome it supports.",
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
              t(
                "The Thematic Priorities to which the Sector contributes are: (1) Infrastructure and services; (2) Applications; (3) Enabling environment",
              ),
              b("b-stp-1-1", ["AFR", "ARB"], "substantive", "; and (4) Cybersecurity"),
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
              t(
                "To achieve the Outcomes, the Sector deploys a range of products and services for its Members and other stakeholders, including studies, capacity-building programmes, project implementation, data and statistics, and platforms for dialogue.",
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
              b("b-sen-3-1", ["AFR", "APT"], "alternative", "shall"),
              b("b-sen-3-2", ["CEPT", "CITEL"], "alternative", "should"),
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
              t(
                "Enhanced capacity of Member States to use spectrum management tools and satellite services for affordable connectivity, in coordination with the other Sectors.",
              ),
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
              t(
                "Improved availability of reliable telecommunication and ICT data and statistics to support evidence-based policy making.",
              ),
            ],
          ],
        },
        {
          id: "c8",
          paragraphs: [
            [
              b(
                "b-impl-8-1",
                ["AFR", "ARB", "RCC"],
                "substantive",
                "Thematic Priority 4: Cybersecurity. Enhanced capacity of Member States to establish national cybersecurity strategies and incident response teams, and to build trust and confidence in the use of telecommunications and ICTs.",
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
              b("b-rr-3-1", ["APT", "RCC"], "awaiting_instructions", "every year"),
              t(" and report to the next Conference."),
            ],
          ],
        },
      ],
    },
  ],
};
