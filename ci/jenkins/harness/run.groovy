// Runs the eventmall Jenkins pipeline under plain Groovy (the Groovy 2.4 line, like
// Jenkins' own) with stub steps, to prove it compiles and to record what each `sh`
// step would really run after Groovy's own string decoding.
//
//   groovy ci/jenkins/harness/run.groovy <repo root> <out dir> <pr|main|scheduled>
//
// scheduled: main's build started by its timer (the nightly drift and preflight).
//
// Writes <out dir>/<n>.sh per sh step (and <n>.role, the AWS_ROLE_ARN it runs with) and prints the stages taken. No step has any
// effect: nothing is installed, called or read from a credential store.
def root = new File(args[0])
def out = new File(args[1]); out.mkdirs()
def mode = args[2]
def env = [HOME: '/home/jenkins', BRANCH_NAME: mode == 'pr' ? 'PR-7' : 'main',
           // the job's configured roles (ci/README.md), as their names end
           AWS_PLAN_ROLE_ARN: 'arn:aws:iam::111122223333:role/eventmall/eventmall-prod-plan',
           AWS_DEPLOYER_ROLE_ARN: 'arn:aws:iam::111122223333:role/eventmall/eventmall-prod-deployer']
if (mode == 'pr') env.CHANGE_ID = '7'

def n = 0
def shell = null
def binding = new Binding()
binding.setVariable('env', env)
binding.setVariable('scm', [:])
binding.setVariable('node', { String label, Closure body -> println "node(${label})"; body() })
binding.setVariable('stage', { String name, Closure body -> println "stage(${name})"; body() })
binding.setVariable('checkout', { x -> println 'checkout' })
binding.setVariable('properties', { x -> })
binding.setVariable('pipelineTriggers', { List t -> 'pipelineTriggers' })
binding.setVariable('cron', { String spec -> 'cron' })
// Only the scheduled mode is a timer-started build.
def currentBuild = new Expando()
currentBuild.getBuildCauses = { String cause -> mode == 'scheduled' && cause.endsWith('TimerTriggerCause') ? [[_class: cause]] : [] }
binding.setVariable('currentBuild', currentBuild)
binding.setVariable('catchError', { Map m, Closure body -> body() })
binding.setVariable('disableConcurrentBuilds', { -> 'disableConcurrentBuilds' })
binding.setVariable('string', { Map m -> m })
binding.setVariable('withCredentials', { List c, Closure body -> println "withCredentials(${c.collect { it.credentialsId }})"; body() })
// The AWS_ROLE_ARN of each enclosing withEnv, innermost last: an sh step's role, recorded
// next to it (<n>.role) for the parity test.
def roles = []
binding.setVariable('withEnv', { List e, Closure body ->
    def role = e.find { it.toString().startsWith('AWS_ROLE_ARN=') }
    if (role != null) roles << role.toString().substring('AWS_ROLE_ARN='.length())
    try { body() } finally { if (role != null) roles.remove(roles.size() - 1) }
})
binding.setVariable('archiveArtifacts', { Map m -> println "archiveArtifacts(${m.artifacts})" })
binding.setVariable('echo', { String s -> println "echo: ${s}" })
binding.setVariable('sh', { arg ->
    def script = arg instanceof Map ? arg.script : arg
    n++
    new File(out, String.format('%02d.sh', n)).text = script.toString()
    if (roles) new File(out, String.format('%02d.role', n)).text = roles[-1]
    println "sh -> ${n}.sh"
})
binding.setVariable('load', { String path -> shell.evaluate(new File(root, path)) })
// readTrusted returns the file's text (Jenkins: the trusted revision's); the script's own
// evaluate(String) then runs it with this binding.
binding.setVariable('readTrusted', { String path -> println "readTrusted(${path})"; new File(root, path).text })
shell = new GroovyShell(binding)
shell.evaluate(new File(root, 'Jenkinsfile'))
