"""What the caller wants from this turn.

Rules run in priority order and the first that fires wins: an emergency beats
everything, a request for a person beats the topic it is about ("a real person about a
bill"), and changing or cancelling an appointment beats booking one.
"""

from __future__ import annotations

import re

from .text import fold

_RULES: list[tuple[str, str]] = [
    (
        "emergency",
        r"chest pains?|dolor (?:muy )?(?:fuerte )?(?:en el|del|de) pecho|(?:me|le) duele"
        r" (?:mucho )?el pecho|can'?t breathe|cannot breathe|"
        r"can'?t catch (?:my|his|her) breath|not breathing|trouble breathing|hard to breathe|"
        r"short(?:ness)? of breath|le cuesta respirar|me cuesta respirar|no puede respirar|no"
        r" puedo respirar|"
        r"se (?:esta )?ahogando|falta de aire|bleeding (?:a lot|heavily|badly|won'?t stop)|"
        r"(?:sangra|sangrando) mucho|mucha sangre|hemorragia|suicid\w*|kill (?:my|him|her)self|"
        r"want to die|quiero morir|matarme|quitarme la vida|stroke|derrame|embolia|"
        r"(?:hurt|harm|cut) (?:my|him|her)self|end (?:my|his|her) life|no quiero vivir|"
        r"(?:hacerme|hacerse) dano|lastimarme|cortarme|"
        r"face (?:is )?droop\w*|cara (?:caida|chueca|torcida)|can'?t (?:move|feel) (?:my|his"
        r"|her) (?:arm|leg|face)|"
        r"slurr\w+ (?:speech|words)|overdos\w*|sobredosis|unconscious|passed out|won'?t wake up|"
        r"inconsciente|se desmayo|no despierta|no responde|heart attack|ataque al corazon|infarto|"
        r"convuls\w+|seizure|anaphyla\w+|choking|911",
    ),
    (
        "opt_out",
        r"^(?:stop|stopall|unsubscribe|cancel|end|quit|alto|baja)$|unsubscribe|"
        r"don'?t (?:call|text) me|do not (?:call|text)|no me (?:llamen|llame|manden|escriban"
        r"|marquen)|"
        r"quit(?:ar)?me de (?:la|su) lista|take me off|dejen de (?:llamar|mandar|escribir)|"
        r"stop (?:calling|texting|messaging)|darme de baja",
    ),
    (
        "human",
        r"(?:real |live |actual )?(?:person|human|representative|operator|agent|somebody real"
        r"|someone real)|"
        r"talk to (?:someone|somebody)|speak (?:to|with) (?:someone|somebody)|"
        r"(?:una |con una |a una )?persona|alguien|(?:un |una )?representante|operador\w*"
        r"|recepcionista|"
        r"not a robot|no (?:quiero hablar con )?(?:un )?robot|front desk|"
        r"hablar con (?:alguien|una persona|un humano)",
    ),
    (
        "wrong_number",
        r"wrong number|numero equivocado|se equivoco de numero|equivocad[oa] de numero|"
        r"i didn'?t call|no (?:llame|marque)|who is this|quien habla|de donde (?:me )?(?:llaman"
        r"|hablan)",
    ),
    (
        "cancel",
        r"cancel\w*|cancelar|cancela\w*|anular|no (?:voy a|podre|puedo) (?:ir|llegar|venir)(?!"
        r" ese| el| la| a las)",
    ),
    (
        "reschedule",
        r"reschedul\w*|re-?schedule|move (?:my|the) appointment|change (?:my|the) (?:appointment"
        r"|time|day|date)|"
        r"different (?:day|time)|another (?:day|time)|push (?:it|my appointment) back|cambiar"
        r" (?:mi|la) (?:cita|hora|fecha)|"
        r"cambiar(?:la)? para|mover (?:mi|la) cita|reprogramar|otro dia|otra hora|otra fecha"
        r"|posponer|"
        r"move it to|pasar(?:la)? para",
    ),
    (
        "decline_referral",
        r"(?:don'?t|do not|no longer) (?:want|need) (?:to (?:see|go to|visit) )?(?:the |a |this"
        r" |that |my )?(?:specialist|referral)|no longer need (?:it|the visit)|"
        r"(?:already )?(?:went|been|was seen|got seen) (?:somewhere|someplace) else|went elsewhere|"
        r"(?:already (?:went|been|was seen|saw)|was already seen) (?:to |by )?(?:another|a"
        r" different) (?:doctor|specialist|clinic)|"
        r"no (?:quiero|necesito) (?:ir (?:al|a la|con el|con la) |ver (?:al|a la) )?(?:especialista"
        r"|referencia)|ya no (?:lo|la) (?:necesito|quiero)|"
        r"ya (?:fui|me atendieron|me vieron|me vio) (?:a |en |con )?otr[oa] (?:lado|parte|doctor\w*"
        r"|clinica|especialista)",
    ),
    (
        "appointment_question",
        r"when is my appointment|what time is my appointment|do i have an appointment|"
        r"confirm my appointment|cuando es mi cita|a que hora es mi cita|tengo (?:una )?cita|"
        r"confirmar (?:mi|la) cita|my appointment (?:is|was) (?:when|what time)|cuando me toca|"
        r"check (?:on )?my appointments?|(?:look up|see|find|review) my appointments?|"
        r"(?:revisar|ver|checar|consultar) (?:mi|mis) citas?|que citas tengo",
    ),
    (
        "prescription",
        r"prescriptions?|refill\w*|medication|medicine|meds|pharmacy|receta|recetas|"
        r"medicamento\w*|medicina\w*|farmacia|surtir",
    ),
    (
        "billing",
        r"bill|billing|invoice|statement|balance|owe|charge[ds]?|payment|pay my|copay|co-pay|"
        r"factura|mi cuenta|la cuenta|estado de cuenta|cobr\w+|pagar (?:mi|la|una|el)|deuda"
        r"|cuanto debo",
    ),
    (
        "hours",
        r"hours|what time (?:are|do) you (?:open|close)|are you open|when (?:are|do) you (?:open"
        r"|close)|"
        r"(?:open|close|closed) on|horario|a que hora (?:abren|cierran)|estan abiertos|abren"
        r"|cierran|"
        r"open (?:on )?(?:saturday|sunday|today|tomorrow)",
    ),
    (
        "location",
        r"address|where are you|where is the (?:clinic|office)|location|directions|parking|"
        r"direccion|donde (?:estan|queda|se encuentra)|ubicacion|como llego|estacionamiento",
    ),
    (
        "plans_question",
        r"do you (?:take|accept)|accept my insurance|take my insurance|in network|in-network|"
        r"aceptan (?:mi )?(?:seguro|aseguranza|medi-?cal|medicare)|toman (?:mi )?(?:seguro"
        r"|aseguranza)|"
        r"reciben (?:mi )?(?:seguro|aseguranza)|"
        r"(?:what|which) (?:insurances?|plans?) (?:do you )?(?:take|accept)|"
        r"que (?:seguros?|planes|aseguranzas?) (?:aceptan|toman|reciben)",
    ),
    (
        "provider_question",
        r"which doctors?|what doctors?|who is the doctor|is (?:the )?doctor|does dr|"
        r"que doctor\w*|cual doctor\w*|quien es el doctor|(?:doctor|doctora) que hable|"
        r"spanish[- ]speaking doctor|female doctor|woman doctor|doctora mujer|"
        r"(?:doctors?|doctoras?|doctores|providers?|dr|el doctor|la doctora|los doctores)\b[^?!]*"
        r"\b(?:speak|speaks|habla|hablan)\b|telehealth|video visits?|videollamada|por video",
    ),
    (
        "new_patient",
        r"i'?m new|new patient|first time|never been|soy (?:nuevo|nueva)|paciente nuev[oa]|"
        r"primera vez|nunca he (?:ido|venido)",
    ),
    (
        "book",
        r"appointment|book|schedule|set up|make an? appt|see (?:a|the) (?:doctor|specialist)|"
        r"referr\w+|sacar (?:una )?cita|hacer (?:una )?cita|agendar|una cita|cita|me mandaron|me"
        r" refirieron|"
        r"referencia|me mando|especialista|specialist|consulta",
    ),
    (
        "services_question",
        r"do you (?:do|offer|have|provide)|services|what can you do|x-?rays?|vaccin\w+|"
        r"shots?|physicals|physical exams?|servicios|ofrecen|hacen (?:examenes|analisis|rayos)"
        r"|vacunas?|analisis",
    ),
    (
        "repeat",
        r"^(?:what|huh|sorry|pardon|excuse me|como|que|mande|perdon|eh)$|come again|"
        r"can you repeat|say that again|repeat|repita|repitame|otra vez|no le (?:entendi|escuche)|"
        r"didn'?t (?:catch|hear|get) that|mas despacio",
    ),
    (
        "dont_know",
        r"i don'?t know|i do not know|not sure|no idea|i don'?t remember|can'?t remember|"
        r"no se|no lo se|no me acuerdo|no recuerdo|no estoy segur[oa]|ni idea",
    ),
    (
        "goodbye",
        r"bye|goodbye|good bye|that'?s all|that'?s it|nothing else|adios|hasta luego|es todo|"
        r"seria todo|nada mas|eso es todo|bye bye|no,? (?:thank you|thanks|gracias)|nope",
    ),
    ("thanks", r"thanks?|thank you|gracias|muchas gracias|te lo agradezco|se lo agradezco"),
    (
        "greeting",
        r"hi|hello|hey|good (?:morning|afternoon|evening)|hola|buenos dias|buenas tardes|"
        r"buenas noches|buenas|que tal",
    ),
]
_COMPILED = [(name, re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])")) for name, pattern in _RULES]


def detect_intent(text: str) -> str | None:
    """Return the intent of a caller turn, or None when it states no request."""
    folded = re.sub(r"[¿?¡!.,\s]+", " ", fold(text)).strip()
    for name, pattern in _COMPILED:
        if pattern.search(folded):
            return name
    return None
