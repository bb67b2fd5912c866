"""The complainant portrait (投诉人画像): six dimensions rated 1–5 and the six psychological types.

The rating scales and strategy cards are course content in Chinese with an English rendering, kept
here as bilingual data (``Bilingual``) rather than as gettext messages: they are read as a unit by a
clerk, printed on the conversation aid, and follow the wording of the complaint-handling course
(六维度绘制投诉人画像; 六种主要投诉心理需求的应对).

Scale directions (each level has a description):

- 情绪 emotion: 1 calm … 5 out of control
- 风险 risk: 1 no sign of escalation … 5 media, court, group action or personal safety under way
- 责任 responsibility: 1 no liability of ours … 5 entirely ours (decides the scale of the remedy)
- 理性 rationality: 1 irrational … 5 rational
- 需求 demand: 1 an explanation … 5 an extreme, anchored demand (极限值)
- 性格 personality: 1 easy-going … 5 confrontational (how hard the person is to talk to)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from desk_app.domain.enums import PsychType
from desk_app.errors import ValidationError
from desk_app.i18n import _, current_language

LEVELS = (1, 2, 3, 4, 5)
MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class Bilingual:
    """A text in Chinese and English; ``text()`` picks the current language (English falls back to Chinese)."""

    zh: str
    en: str = ""

    def text(self, language: str | None = None) -> str:
        language = language or current_language()
        if language.startswith("zh"):
            return self.zh
        return self.en or self.zh


class Dimension(StrEnum):
    EMOTION = "emotion"
    RISK = "risk"
    RESPONSIBILITY = "responsibility"
    RATIONALITY = "rationality"
    DEMAND = "demand"
    PERSONALITY = "personality"

    @property
    def label(self) -> str:
        return DIMENSIONS[self].name.text()


@dataclass(frozen=True)
class DimensionInfo:
    dimension: Dimension
    name: Bilingual
    decides: Bilingual
    levels: Mapping[int, Bilingual]

    def level(self, value: int) -> Bilingual:
        return self.levels[value]


B = Bilingual

DIMENSIONS: dict[Dimension, DimensionInfo] = {
    Dimension.EMOTION: DimensionInfo(
        Dimension.EMOTION, B("情绪", "Emotion"),
        B("制定投诉处理的关键策略：是否需要先安抚降温", "The key handling strategy: whether to calm things down first"),
        {1: B("平静：语气平和，可以正常沟通", "Calm: even tone, a normal conversation is possible"),
         2: B("不满：有抱怨，但情绪可控", "Displeased: complains, but stays in control"),
         3: B("激动：音量提高，反复强调自己的遭遇", "Agitated: raised voice, keeps repeating what happened"),
         4: B("愤怒：言辞激烈、指责工作人员", "Angry: harsh words, blames the staff"),
         5: B("失控：辱骂、威胁或有过激行为，先安抚降温，主管到场",
              "Out of control: abuse, threats or aggressive acts; calm down first, a supervisor comes")}),
    Dimension.RISK: DimensionInfo(
        Dimension.RISK, B("风险", "Risk"),
        B("判断未来走向的关键参考：媒体、监管、诉讼、群体",
          "Where the case is heading: media, regulator, court, group"),
        {1: B("无升级迹象", "No sign of escalation"),
         2: B("提到可能继续投诉", "Mentions complaining further"),
         3: B("明确表示要向上级机构或监管部门投诉", "Says he will go to the head office or the regulator"),
         4: B("已联系或威胁找媒体、律师、监管，或在联络其他客户", "Has contacted or threatens media, a lawyer or "
              "the regulator, or is rallying other customers"),
         5: B("舆情、诉讼或群体事件已经发生，或涉及人身安全", "Media coverage, a lawsuit or group action is under "
              "way, or personal safety is at stake")}),
    Dimension.RESPONSIBILITY: DimensionInfo(
        Dimension.RESPONSIBILITY, B("责任", "Responsibility"),
        B("制定处理尺度的重要根据：公司责任决定补救的幅度",
          "How far our liability goes, hence the scale of the remedy"),
        {1: B("公司无责任（客户自身原因）", "None of ours: the customer's own doing"),
         2: B("责任轻微（解释说明不到位）", "Minor: our explanation or communication fell short"),
         3: B("部分责任（双方均有过错）", "Shared: both sides are at fault"),
         4: B("主要责任在公司", "Mainly ours"),
         5: B("全部责任（明显差错或违规）", "Entirely ours: a clear error or a breach of the rules")}),
    Dimension.RATIONALITY: DimensionInfo(
        Dimension.RATIONALITY, B("理性", "Rationality"),
        B("前期准备和后续处理的重点", "How to prepare, and what to follow up"),
        {1: B("非理性：无法沟通，不接受任何事实", "Irrational: cannot be reasoned with, rejects every fact"),
         2: B("偏执：固守己见，只接受对自己有利的说法", "Stubborn: accepts only what suits him"),
         3: B("时好时坏：部分接受解释", "Changeable: accepts part of the explanation"),
         4: B("基本理性：愿意听解释、看证据", "Mostly rational: listens to explanations, looks at evidence"),
         5: B("理性：就事论事，关注解决方案", "Rational: sticks to the facts, looks for a solution")}),
    Dimension.DEMAND: DimensionInfo(
        Dimension.DEMAND, B("需求", "Demand"),
        B("一切投诉工作的核心任务：诉求背后的真实需求", "The core task: the real need behind the stated claim"),
        {1: B("要一个解释或说法", "Wants an explanation"),
         2: B("要求纠正差错或道歉", "Wants a correction or an apology"),
         3: B("要求弥补实际损失", "Wants the actual loss made good"),
         4: B("要求超出实际损失的补偿", "Wants compensation beyond the loss"),
         5: B("极高或不合理的诉求（锚定极限值），考虑极限值破除法",
              "An extreme or unreasonable demand (anchored high); consider breaking the extreme value")}),
    Dimension.PERSONALITY: DimensionInfo(
        Dimension.PERSONALITY, B("性格", "Personality"),
        B("决定与客户沟通的方式（可在备注中记录九型人格等判断）",
          "How to talk to this person (note a typing such as the Enneagram if useful)"),
        {1: B("随和：容易沟通", "Easy-going: easy to talk to"),
         2: B("温和但有主见", "Mild but firm"),
         3: B("较真：重细节，要求逐条解释", "Particular: wants every detail explained"),
         4: B("强势：要求主导谈话，必须占上风", "Dominant: must lead and win the conversation"),
         5: B("对抗：不信任任何人，处处对立", "Confrontational: trusts no one, opposes everything")}),
}


@dataclass(frozen=True)
class StrategyCard:
    """What a clerk needs to know about a psychological type, on one card."""

    psych_type: PsychType
    name: Bilingual
    inner_sentence: Bilingual
    summary: Bilingual
    do: tuple[Bilingual, ...]
    avoid: tuple[Bilingual, ...]
    phrases: tuple[Bilingual, ...]


STRATEGY_CARDS: dict[PsychType, StrategyCard] = {
    PsychType.SELF_CENTRED: StrategyCard(
        PsychType.SELF_CENTRED, B("本位型", "Self-centred"),
        B("“我是世界的中心”", "“I am the centre of the world”"),
        B("肯定其重要性，给予专人、专属的关注", "Acknowledge their importance, give personal attention"),
        (B("第一时间接待，指定专人全程负责并告知姓名", "Receive at once; name one person who follows the case "
           "throughout"),
         B("复述客户诉求，让客户感到被重视", "Restate the demand so the customer feels taken seriously"),
         B("主动告知进展，不让客户追问", "Report progress before the customer has to ask")),
        (B("让客户排队、反复陈述或在部门间转来转去", "Making them queue, repeat their story or pass between "
           "departments"),
         B("用“规定就是这样”一句话打发", "Brushing them off with “those are the rules”")),
        (B("您反映的问题我们非常重视，由我专门负责，全程跟进到底。",
           "We take this very seriously; I am handling it personally and will follow it through."),)),
    PsychType.RESPECT: StrategyCard(
        PsychType.RESPECT, B("尊重型", "Respect-seeking"),
        B("“平等待我，给我尊严”", "“Treat me as an equal, give me dignity”"),
        B("礼貌周到，由更高级别人员出面，真诚致歉", "Courtesy, a senior contact, a sincere apology"),
        (B("起身迎接、请坐、使用敬语", "Stand up to greet, offer a seat, use polite forms"),
         B("请主管或负责人出面接待", "Ask a supervisor or the branch head to receive them"),
         B("对服务态度问题先真诚道歉", "Apologise sincerely for any discourtesy first")),
        (B("当众纠正客户或与其争辩", "Correcting or arguing with them in front of others"),
         B("命令、说教的语气", "An ordering or lecturing tone")),
        (B("给您带来了不好的感受，我代表网点郑重向您道歉。",
           "I am sorry for how you were treated; on behalf of the branch, I apologise."),)),
    PsychType.FAIRNESS: StrategyCard(
        PsychType.FAIRNESS, B("公平型", "Fairness-seeking"),
        B("“任何事情必须公平处理”", "“Everything must be handled fairly”"),
        B("规则透明，以证据和先例说话", "Transparent rules, evidence and precedent"),
        (B("出示条款、流程和依据，逐条说明", "Show the clause, the procedure and the basis, point by point"),
         B("说明同类情况的统一处理标准", "Explain the standard applied to every similar case"),
         B("调查过程和结果留痕，可以查阅", "Keep the investigation on record and open to them")),
        (B("私下许诺特殊照顾", "Promising special treatment in private"),
         B("前后说法不一致", "Saying different things at different times")),
        (B("我们对所有客户都按同一标准处理，这是相关条款，我们一起逐条看一下。",
           "We apply the same standard to every customer; here is the clause, let us go through it "
           "together."),)),
    PsychType.REVENGE: StrategyCard(
        PsychType.REVENGE, B("报复型", "Revenge"),
        B("“只要我难过，别人必须付出代价”", "“If I suffer, someone must pay”"),
        B("保持冷静，底线明确，及时上报，全程留痕", "Stay calm, hold firm limits, escalate, document everything"),
        (B("保持冷静，不被激怒，语速放慢", "Stay calm, do not take the bait, slow down"),
         B("及时上报主管，评估舆情、诉讼与人身安全风险", "Tell the supervisor at once; assess media, court and "
           "safety risks"),
         B("全程记录（录音录像、书面材料），保存证据", "Record everything (audio/video, papers) and keep the "
           "evidence")),
        (B("情绪化回应或与客户对骂", "Answering emotionally or trading insults"),
         B("私下承诺处分某位员工或超出权限的补偿", "Promising in private to punish a colleague, or compensation "
           "beyond your authority")),
        (B("我理解您非常生气。您的意见我已完整记录并上报，我们会依规调查并书面答复您。",
           "I understand you are very angry. I have recorded everything and passed it on; we will "
           "investigate by the rules and answer you in writing."),)),
    PsychType.COMPENSATION: StrategyCard(
        PsychType.COMPENSATION, B("补偿型", "Compensation-seeking"),
        B("“金钱和面子，总有一个要赔偿”", "“Money or face — one must be paid”"),
        B("补偿阶梯清晰，锚定合理价值", "A clear remedy ladder; anchor a reasonable value"),
        (B("先核实实际损失，再谈补偿", "Establish the actual loss before talking about compensation"),
         B("按规定的补偿阶梯给出方案，先锚定合理价值（极限值破除法）", "Offer from the remedy ladder and anchor "
           "a reasonable value early (breaking the extreme value)"),
         B("面子补偿（致歉、上门、感谢信）也可作为替代", "“Face” remedies — an apology, a visit, a letter — can "
           "replace money")),
        (B("先报价或一次让步到底", "Naming a figure first, or conceding everything at once"),
         B("无交换的让步", "Concessions without anything in return")),
        (B("按规定，这类情况的处理标准是……；在这个基础上，我们可以为您……",
           "By the rules, the standard for this situation is …; on that basis, we can …"),)),
    PsychType.VENTING: StrategyCard(
        PsychType.VENTING, B("发泄型", "Venting"),
        B("“情绪宣泄后，世界便是晴天”", "“Once I let it out, the sky clears”"),
        B("让客户充分表达，表示理解，尽快了结", "Listen fully, empathise, close quickly"),
        (B("请到安静的地方，让客户把话说完，不打断", "Move to a quiet place and let them finish; do not "
           "interrupt"),
         B("描述并认可客户的情绪（情感标签）", "Name and acknowledge the feeling (emotion label)"),
         B("情绪平复后马上给出简单方案并确认", "Once calm, offer a simple solution at once and confirm it")),
        (B("急于辩解或解释原因", "Rushing to justify or explain"),
         B("把简单问题复杂化、拖延处理", "Turning a simple matter into a long procedure")),
        (B("换作是我，遇到这种情况也会着急。您慢慢说，我都记下来。",
           "Anyone would be upset in your place. Take your time; I am writing it all down."),)),
}


@dataclass(frozen=True)
class PortraitInput:
    """A portrait as the clerk rates it: six 1–5 ratings, a note per dimension, one or two types."""

    emotion: int
    risk: int
    responsibility: int
    rationality: int
    demand: int
    personality: int
    notes: Mapping[str, str] | None = None
    primary_type: PsychType | None = None
    secondary_type: PsychType | None = None

    def ratings(self) -> dict[Dimension, int]:
        return {d: getattr(self, d.value) for d in Dimension}


def validate_portrait(data: PortraitInput) -> tuple[dict[Dimension, int], dict[str, str]]:
    """Check ranges, notes and types; return the ratings and the cleaned notes (empty notes dropped)."""
    ratings: dict[Dimension, int] = {}
    for dimension in Dimension:
        value = getattr(data, dimension.value)
        if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
            raise ValidationError(_("Rate {dimension} from 1 to 5 (got {value}).").format(
                dimension=dimension.label, value=value), dimension.value)
        ratings[dimension] = value
    notes: dict[str, str] = {}
    for key, text in (data.notes or {}).items():
        if key not in Dimension.__members__.values():
            raise ValidationError(_("Unknown portrait dimension {key} in the notes.").format(key=key), "notes")
        if not isinstance(text, str):
            raise ValidationError(_("The note on {dimension} must be text.").format(
                dimension=Dimension(key).label), f"notes.{key}")
        cleaned = text.strip()
        if len(cleaned) > MAX_NOTE_LENGTH:
            raise ValidationError(_("The note on {dimension} is longer than {n} characters.").format(
                dimension=Dimension(key).label, n=MAX_NOTE_LENGTH), f"notes.{key}")
        if cleaned:
            notes[str(key)] = cleaned
    for name in ("primary_type", "secondary_type"):
        value = getattr(data, name)
        if value is not None and not isinstance(value, PsychType):
            raise ValidationError(_("Unknown psychological type {value}.").format(value=value), name)
    if data.secondary_type is not None and data.primary_type is None:
        raise ValidationError(_("Choose the primary type before a secondary one."), "secondary_type")
    if data.secondary_type is not None and data.secondary_type is data.primary_type:
        raise ValidationError(_("The secondary type must differ from the primary type."), "secondary_type")
    return ratings, notes


def changed_ratings(old: Mapping[Dimension, int] | None,
                    new: Mapping[Dimension, int]) -> dict[str, list[int | None]]:
    """``{dimension: [old, new]}`` for every rating that differs (all of them for a first portrait)."""
    return {d.value: [None if old is None else old[d], new[d]] for d in Dimension
            if old is None or old[d] != new[d]}
