"""Validation messages of the public intake in English and Simplified Chinese."""

MESSAGES: dict[str, dict[str, str]] = {
    "required": {"en": "This field is required.", "zh-CN": "此项为必填项。"},
    "email": {"en": "Enter a valid email address.", "zh-CN": "请输入有效的电子邮件地址。"},
    "phone": {"en": "Enter a valid phone number.", "zh-CN": "请输入有效的电话号码。"},
    "contact": {
        "en": "Give at least a name, an email or a phone number.",
        "zh-CN": "请至少填写姓名、电子邮件或电话号码之一。",
    },
    "too_long": {"en": "At most {limit} characters.", "zh-CN": "最多 {limit} 个字符。"},
    "too_many": {"en": "At most {limit} fields.", "zh-CN": "最多 {limit} 个字段。"},
    "invalid_body": {
        "en": "The body could not be read as {kind}.",
        "zh-CN": "无法按 {kind} 格式读取请求内容。",
    },
    "title": {"en": "The form has invalid fields.", "zh-CN": "表单中有无效的字段。"},
    "thanks": {"en": "Thank you. We have received your message.", "zh-CN": "谢谢！我们已收到您的信息。"},
    "back": {"en": "Go back and correct the form", "zh-CN": "返回修改表单"},
}


def language(accept_language: str | None) -> str:
    """zh-CN when the caller prefers Chinese, otherwise en."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return "en"


def message(code: str, lang: str, **params) -> str:
    """The message for `code` in `lang`."""
    return MESSAGES[code][lang].format(**params)
