"""The labels referral forms and fax cover sheets put before each field, in English and Spanish.

Labels are written folded (lower case, no accents). A generic label ("Name:",
"Phone:", "NPI:") means the patient's or the referring provider's depending on the
section it sits in, so sections are recognised too. Labels we do not use ("Fax:",
"Date:") are listed so that the value before them ends where they begin.
"""

from __future__ import annotations

PATIENT_SECTION = "patient"
PROVIDER_SECTION = "provider"

FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "patient_name": ("patient name", "patient's name", "patient full name", "patient",
                     "nombre del paciente", "nombre completo", "paciente", "pt name"),
    "patient_surnames": ("last name", "surname", "surnames", "family name", "apellidos",
                         "apellido"),
    "patient_given": ("first name", "given name", "given names", "nombre de pila", "nombre(s)",
                      "nombres"),
    "patient_dob": ("dob", "d.o.b.", "d.o.b", "date of birth", "birth date", "birthdate",
                    "fecha de nacimiento", "fecha de nac.", "fecha nac.", "f. nac."),
    "patient_phone": ("patient phone", "home phone", "cell phone", "mobile", "telephone",
                      "telefono del paciente", "celular"),
    "member_id": ("member id", "member #", "member number", "subscriber id", "insurance id",
                  "id de miembro", "numero de miembro", "no. de miembro", "id del seguro"),
    "plan": ("insurance", "health plan", "insurance plan", "plan name", "payer", "plan",
             "seguro", "plan de salud", "aseguranza", "seguro medico"),
    "referring_provider": ("referring provider", "referring physician", "referring doctor",
                           "referred by", "ordering provider", "provider name",
                           "physician name", "medico que refiere", "referido por",
                           "proveedor que refiere", "doctor que refiere", "medico"),
    "referring_provider_npi": ("referring npi", "provider npi", "npi del proveedor"),
    "referring_practice": ("referring practice", "referring clinic", "practice name",
                           "practice", "clinic name", "clinic", "clinica que refiere",
                           "clinica", "consultorio", "from"),
    "specialty": ("specialty requested", "specialty", "refer to", "referral to", "referred to",
                  "referring to", "especialidad solicitada", "especialidad", "referido a",
                  "referir a", "servicio solicitado"),
    "reason": ("reason for referral", "reason for consult", "referral reason", "reason",
               "clinical reason", "motivo de la referencia", "motivo de referencia",
               "motivo de consulta", "motivo", "razon"),
    "icd10": ("diagnosis codes", "diagnosis code", "diagnosis", "diagnoses", "dx codes", "dx",
              "icd-10 codes", "icd-10", "icd10", "diagnostico", "diagnosticos",
              "codigos icd-10", "codigo icd-10"),
    "urgency": ("urgency", "priority", "urgencia", "prioridad"),
    "placer_id": ("referral #", "referral no.", "referral number", "referral id", "ref #",
                  "our reference", "numero de referencia", "no. de referencia", "referencia"),
    "preferred_language": ("preferred language", "language", "idioma preferido", "idioma"),
}

# Labels whose field depends on the section: {label: {section: field or None}}.
GENERIC_LABELS: dict[str, dict[str, str | None]] = {
    "name": {PATIENT_SECTION: "patient_name", PROVIDER_SECTION: "referring_provider"},
    "nombre": {PATIENT_SECTION: "patient_name", PROVIDER_SECTION: "referring_provider"},
    "phone": {PATIENT_SECTION: "patient_phone", PROVIDER_SECTION: None},
    "tel": {PATIENT_SECTION: "patient_phone", PROVIDER_SECTION: None},
    "tel.": {PATIENT_SECTION: "patient_phone", PROVIDER_SECTION: None},
    "telefono": {PATIENT_SECTION: "patient_phone", PROVIDER_SECTION: None},
    "npi": {PATIENT_SECTION: "referring_provider_npi",
            PROVIDER_SECTION: "referring_provider_npi"},
}

# Labels whose values we do not use; they end the value of the label before them.
IGNORED_LABELS: tuple[str, ...] = (
    "fax", "date", "fecha", "to", "para", "page", "pages", "pagina", "paginas", "re",
    "address", "direccion", "sex", "sexo", "gender", "genero", "signature", "firma",
    "provider phone", "office phone", "callback", "email", "correo", "attn", "atencion",
    "city", "ciudad", "zip", "group #", "group number", "grupo", "authorization",
    "autorizacion", "mrn", "notes", "notas", "comments", "comentarios", "fax number",
)

SECTION_HEADINGS: dict[str, str] = {
    "patient information": PATIENT_SECTION, "patient": PATIENT_SECTION,
    "patient demographics": PATIENT_SECTION, "datos del paciente": PATIENT_SECTION,
    "informacion del paciente": PATIENT_SECTION, "paciente": PATIENT_SECTION,
    "referring provider": PROVIDER_SECTION, "referring physician": PROVIDER_SECTION,
    "referring provider information": PROVIDER_SECTION, "referred by": PROVIDER_SECTION,
    "medico que refiere": PROVIDER_SECTION, "proveedor que refiere": PROVIDER_SECTION,
    "datos del medico que refiere": PROVIDER_SECTION, "referido por": PROVIDER_SECTION,
}

# Words a Spanish form uses and an English one does not: they decide the form's language.
SPANISH_MARKERS = frozenset({"paciente", "fecha", "nacimiento", "motivo", "especialidad",
                             "telefono", "seguro", "urgencia", "diagnostico", "referido",
                             "medico", "apellidos", "referencia", "prioridad", "clinica"})
