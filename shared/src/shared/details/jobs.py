"""Details of the job routes every service has (``shared.jobs``)."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "no job {job_id}": "任务 {job_id} 不存在",
    "the job ended as {state}": "任务已结束（{state:job_state}），无法取消",
    "the job failed unexpectedly; its log says why": "任务意外失败，原因见日志",
    "a task's kind is <service>.<name>, not {kind}": "任务类型应为 <服务>.<名称>，而不是 {kind}",
    "no task {kind} in this worker": "本工作进程没有任务类型 {kind}",
    "the task {kind} is registered twice": "任务类型 {kind} 注册了两次",
}
